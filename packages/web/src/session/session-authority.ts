import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ADMIN_TOKEN_PRINCIPAL, matchesAdminToken } from '@stint/core/auth/admin-token';
import type { Authenticator } from '@stint/core/auth/authenticator';
import { hashApiKey, looksLikeApiKey } from '@stint/core/auth/key-store';
import { isRole, type Principal } from '@stint/core/auth/principal';
import { csrfTokenOf, mac, newSessionClaims, safeEqual, signSession, verifySession, type SessionClaims, type SessionCredential } from './session-token.ts';

export interface SignedIn {
  principal: Principal;
  claims: SessionClaims;
  /** The cookie value. */
  token: string;
}

export interface SessionState {
  principal: Principal;
  claims: SessionClaims;
  csrfToken: string;
}

/**
 * Turns a pasted credential into a session and a session back into a principal. Sign-in goes
 * through the api's own Authenticator, so the monitor accepts exactly what the api accepts;
 * every later request re-checks the credential the session points at (see session-token.ts).
 */
export class SessionAuthority {
  constructor(
    readonly options: {
      authenticator: Authenticator;
      secret: string;
      ttlMs: number;
      now: () => number;
    },
  ) {}

  /** Throws the Authenticator's UnauthorizedError / ForbiddenError for a credential it refuses. */
  async signIn(credential: string): Promise<SignedIn> {
    const token = credential.trim();
    const principal = await this.options.authenticator.authenticate({ authorization: `Bearer ${token}` });
    const now = this.options.now();
    let exp = now + this.options.ttlMs;
    let cred: SessionCredential;
    // The same order as the Authenticator: admin token, then API key, else the JWT it verified.
    const adminToken = this.options.authenticator.options.adminToken;
    if (adminToken && matchesAdminToken(token, adminToken)) cred = { kind: 'admin-token', digest: this.#adminDigest(adminToken) };
    else if (looksLikeApiKey(token)) cred = { kind: 'key', hash: hashApiKey(token) };
    else {
      cred = { kind: 'oidc', principal };
      exp = Math.min(exp, jwtExpiry(token) ?? exp);
    }
    const claims = newSessionClaims(cred, exp);
    return { principal, claims, token: signSession(claims, this.options.secret) };
  }

  /** The session behind a cookie value, or null when it is missing, forged, expired or revoked. */
  async resolve(token: string | undefined): Promise<SessionState | null> {
    const claims = verifySession(token, this.options.secret, this.options.now());
    if (claims === null) return null;
    const principal = await this.#principalOf(claims.cred);
    return principal === null ? null : { principal, claims, csrfToken: csrfTokenOf(claims, this.options.secret) };
  }

  async #principalOf(cred: SessionCredential): Promise<Principal | null> {
    switch (cred.kind) {
      case 'admin-token': {
        const adminToken = this.options.authenticator.options.adminToken;
        return adminToken && safeEqual(cred.digest, this.#adminDigest(adminToken)) ? ADMIN_TOKEN_PRINCIPAL : null;
      }
      case 'key':
        return this.#keyPrincipal(cred.hash);
      case 'oidc':
        return cred.principal;
    }
  }

  /**
   * ApiKeyStore.authenticate after its hashing step: the key item is keyed by the key's hash
   * and deleted on revoke. A strongly consistent read, so a revoke holds at once here too.
   */
  async #keyPrincipal(hash: string): Promise<Principal | null> {
    const keys = this.options.authenticator.options.keys;
    const out = await keys.client.send(new GetCommand({ TableName: keys.tableName, Key: { pk: `K#${hash}`, sk: 'K' }, ConsistentRead: true }));
    const item = out.Item;
    if (!item || !isRole(item.role)) return null;
    return { keyId: item.id as string, name: item.name as string, role: item.role, tenant: (item.tenant as string | undefined) ?? null };
  }

  #adminDigest(adminToken: string): string {
    return mac(this.options.secret, `admin-token:${adminToken}`);
  }
}

/** `exp` of a JWT the Authenticator has already verified; the payload is only read here. */
function jwtExpiry(token: string): number | null {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
}
