import { ADMIN_TOKEN_PRINCIPAL, type Authenticator, type Principal } from '@stint/core/auth';
import { csrfTokenOf, mac, newSessionClaims, safeEqual, signSession, verifySession, type SessionClaims, type SessionCredential } from './session-token.ts';
import type { SessionStore } from './session-store.ts';

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
 * every later request re-checks the credential the session points at (see session-token.ts)
 * and that the session was not signed out (see session-store.ts).
 */
export class SessionAuthority {
  constructor(
    readonly options: {
      authenticator: Authenticator;
      store: SessionStore;
      secret: string;
      ttlMs: number;
      now: () => number;
    },
  ) {}

  /** Throws the Authenticator's UnauthorizedError / ForbiddenError for a credential it refuses. */
  async signIn(credential: string): Promise<SignedIn> {
    const { principal, credential: kind } = await this.options.authenticator.identify(credential.trim());
    let exp = this.options.now() + this.options.ttlMs;
    let cred: SessionCredential;
    switch (kind.kind) {
      case 'admin-token':
        cred = { kind: 'admin-token', digest: this.#adminDigest()! };
        break;
      case 'key':
        cred = { kind: 'key', hash: kind.hash };
        break;
      case 'oidc':
        // The identity provider vouched for this principal until exp, and not beyond.
        cred = { kind: 'oidc', principal };
        exp = Math.min(exp, kind.expiresAt);
        break;
    }
    const claims = newSessionClaims(cred, exp);
    await this.options.store.create({ mac: this.#sessionMac(claims), exp });
    return { principal, claims, token: signSession(claims, this.options.secret) };
  }

  /** The session behind a cookie value, or null when it is missing, forged, expired, signed out or revoked. */
  async resolve(token: string | undefined): Promise<SessionState | null> {
    const claims = verifySession(token, this.options.secret, this.options.now());
    if (claims === null) return null;
    const [live, principal] = await Promise.all([this.options.store.isLive(this.#sessionMac(claims)), this.#principalOf(claims.cred)]);
    return live && principal !== null ? { principal, claims, csrfToken: csrfTokenOf(claims, this.options.secret) } : null;
  }

  /** Ends the session on the server: its cookie stops working everywhere, not only in this browser. */
  async signOut(claims: SessionClaims): Promise<void> {
    await this.options.store.end(this.#sessionMac(claims));
  }

  async #principalOf(cred: SessionCredential): Promise<Principal | null> {
    const { adminToken, keys, oidc } = this.options.authenticator.options;
    switch (cred.kind) {
      case 'admin-token': {
        const digest = this.#adminDigest();
        return adminToken && digest !== null && safeEqual(cred.digest, digest) ? ADMIN_TOKEN_PRINCIPAL : null;
      }
      case 'key':
        return keys.principalOfHash(cred.hash);
      case 'oidc':
        // Only the identity provider vouches for these principals: with OIDC turned off, nobody does.
        return oidc ? cred.principal : null;
    }
  }

  /** An HMAC of the bootstrap token, so rotating the token ends its sessions; null when there is none. */
  #adminDigest(): string | null {
    const adminToken = this.options.authenticator.options.adminToken;
    return adminToken ? mac(this.options.secret, `admin-token:${adminToken}`) : null;
  }

  #sessionMac(claims: SessionClaims): string {
    return mac(this.options.secret, `session-id:${claims.sid}`);
  }
}
