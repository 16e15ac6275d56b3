import { UnauthorizedError } from '../errors.ts';
import { ADMIN_TOKEN_PRINCIPAL, matchesAdminToken } from './admin-token.ts';
import type { ApiKeyStore } from './key-store.ts';
import { hashApiKey, looksLikeApiKey } from './key-store.ts';
import { looksLikeJwt, type OidcVerifier } from './oidc.ts';
import type { Principal } from './principal.ts';

export interface AuthenticatorOptions {
  keys: ApiKeyStore;
  /** The bootstrap admin token (read from the api's secret store); null disables it. */
  adminToken?: string | null;
  oidc?: OidcVerifier | null;
}

/** Which kind of credential a token was, with what re-checks it later (a monitor session keeps this, never the token). */
export type CredentialKind = { kind: 'admin-token' } | { kind: 'key'; hash: string } | { kind: 'oidc'; expiresAt: number };

export interface Identity {
  principal: Principal;
  credential: CredentialKind;
}

/**
 * Turns a request's credentials into a principal: `Authorization: Bearer <token>` (or
 * `X-Api-Key: <key>`), where the token is an API key, the bootstrap admin token, or an OIDC
 * JWT. Anything else is 401 with the same message, so a caller learns nothing from the answer.
 */
export class Authenticator {
  constructor(readonly options: AuthenticatorOptions) {}

  async authenticate(headers: { authorization?: string | undefined; apiKey?: string | undefined }): Promise<Principal> {
    const token = bearer(headers.authorization) ?? headers.apiKey?.trim();
    if (!token) throw new UnauthorizedError();
    return (await this.identify(token)).principal;
  }

  /** The one place that decides what a token is: the api's requests and the monitor's sign-in both come here. */
  async identify(token: string): Promise<Identity> {
    const { adminToken, keys, oidc } = this.options;
    if (adminToken && matchesAdminToken(token, adminToken)) return { principal: ADMIN_TOKEN_PRINCIPAL, credential: { kind: 'admin-token' } };
    if (looksLikeApiKey(token)) {
      const hash = hashApiKey(token);
      const principal = await keys.principalOfHash(hash);
      if (principal) return { principal, credential: { kind: 'key', hash } };
      throw new UnauthorizedError('unknown or revoked API key');
    }
    if (oidc && looksLikeJwt(token)) {
      const { principal, expiresAt } = await oidc(token);
      return { principal, credential: { kind: 'oidc', expiresAt } };
    }
    throw new UnauthorizedError();
  }
}

function bearer(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
