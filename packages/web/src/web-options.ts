import type { AwsClients, Engine, StintConfig } from '@stint/core';
import { MIN_SESSION_SECRET_LENGTH, type OidcOptions } from '@stint/core/auth';

/**
 * What the monitor needs: the same engine, table and credentials the api is built from, so
 * both can be created from one options object and agree on who a caller is.
 */
export interface WebOptions {
  engine: Engine;
  clients: Pick<AwsClients, 'dynamo'>;
  config: Pick<StintConfig, 'tableName'>;
  auth?: { adminToken?: string | null; oidc?: OidcOptions | null };
  /**
   * Signs session cookies (HMAC-SHA256) and keys session items; at least 32 characters. Changing
   * it ends every session. In AWS it comes from Secrets Manager (`loadApiSecrets`), locally from
   * the data directory.
   */
  sessionSecret: string;
  /** How long a sign-in lasts; an OIDC session also ends with its token. */
  sessionTtlMs?: number;
  /** Forces the cookie's Secure attribute; by default it is Secure unless the host is loopback. */
  secureCookies?: boolean;
  /** Where a bundled deployment copied `webAssetFiles()`; by default they are read from this package and node_modules. */
  assetsDir?: string;
  /** Failures answered with the generic error page, for the handler's logger. */
  onUnexpectedError?: (error: unknown) => void;
}

export const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60 * 1000;

export function assertSessionSecret(secret: string): void {
  if (secret.length < MIN_SESSION_SECRET_LENGTH) throw new Error(`the session secret must be at least ${MIN_SESSION_SECRET_LENGTH} characters`);
}
