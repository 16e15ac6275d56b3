import { UnauthorizedError } from '../errors.ts';
import { ADMIN_TOKEN_PRINCIPAL, matchesAdminToken } from './admin-token.ts';
import type { ApiKeyStore } from './key-store.ts';
import { looksLikeApiKey } from './key-store.ts';
import { looksLikeJwt, type OidcVerifier } from './oidc.ts';
import type { Principal } from './principal.ts';

export interface AuthenticatorOptions {
  keys: ApiKeyStore;
  /** The bootstrap admin token (STINT_ADMIN_TOKEN); null disables it. */
  adminToken?: string | null;
  oidc?: OidcVerifier | null;
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
    const { adminToken, keys, oidc } = this.options;
    if (adminToken && matchesAdminToken(token, adminToken)) return ADMIN_TOKEN_PRINCIPAL;
    if (looksLikeApiKey(token)) {
      const principal = await keys.authenticate(token);
      if (principal) return principal;
      throw new UnauthorizedError('unknown or revoked API key');
    }
    if (oidc && looksLikeJwt(token)) return oidc(token);
    throw new UnauthorizedError();
  }
}

function bearer(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
