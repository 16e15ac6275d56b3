import type { Engine } from '@stint/core';
import { ApiKeyStore, Authenticator, createOidcVerifier } from '@stint/core/auth';
import { type CursorCodec, sealedCursors } from '@stint/core/query';
import { SessionAuthority } from './session/session-authority.ts';
import { SessionStore } from './session/session-store.ts';
import { assertSessionSecret, DEFAULT_SESSION_TTL_MS, type WebOptions } from './web-options.ts';

/** What the monitor's routes share: built once per monitor from its options. */
export interface WebServices {
  engine: Engine;
  sessions: SessionAuthority;
  /** Cursors of the pages, sealed with the session secret as the api's are, so page and api accept each other's. */
  cursors: CursorCodec;
  sessionTtlMs: number;
  secureCookies: boolean | undefined;
  assetsDir: string | undefined;
  /** OIDC sign-in is configured: the sign-in page says a bearer JWT is accepted. */
  oidcEnabled: boolean;
  now: () => number;
  onUnexpectedError: (error: unknown) => void;
}

export function createWebServices(options: WebOptions): WebServices {
  assertSessionSecret(options.sessionSecret);
  const now = () => options.engine.now();
  const sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const { dynamo } = options.clients;
  const { tableName } = options.config;
  const authenticator = new Authenticator({
    keys: new ApiKeyStore(dynamo, tableName),
    adminToken: options.auth?.adminToken ?? null,
    oidc: options.auth?.oidc ? createOidcVerifier(options.auth.oidc) : null,
  });
  return {
    engine: options.engine,
    sessions: new SessionAuthority({ authenticator, store: new SessionStore(dynamo, tableName), secret: options.sessionSecret, ttlMs: sessionTtlMs, now }),
    cursors: sealedCursors(options.sessionSecret),
    sessionTtlMs,
    secureCookies: options.secureCookies,
    assetsDir: options.assetsDir,
    oidcEnabled: Boolean(options.auth?.oidc),
    now,
    onUnexpectedError: options.onUnexpectedError ?? (() => {}),
  };
}
