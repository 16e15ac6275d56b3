import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import { isRole, ROLES, TENANT_PATTERN, type Principal, type Role } from './principal.ts';

export interface OidcOptions {
  issuer: string;
  audience: string;
  /** Defaults to `<issuer>/.well-known/jwks.json` (Cognito, Auth0 and most providers serve it there). */
  jwksUrl?: string;
  /** Claim holding the role: a role name, or a list (e.g. groups) of which the most privileged counts. Dotted paths reach nested claims. */
  roleClaim?: string;
  tenantClaim?: string;
  /** Key source; tests pass `createLocalJWKSet`. Defaults to the remote JWKS, cached by jose. */
  jwks?: JWTVerifyGetKey;
  /** Allowed clock skew between the identity provider and Lambda. */
  clockToleranceSeconds?: number;
}

/** Who a token names, and until when (ms since the epoch) it may be relied on. */
export interface OidcIdentity {
  principal: Principal;
  expiresAt: number;
}

export type OidcVerifier = (token: string) => Promise<OidcIdentity>;

export const DEFAULT_ROLE_CLAIM = 'stint_role';
export const DEFAULT_TENANT_CLAIM = 'stint_tenant';

/**
 * Verifies bearer JWTs from the team's identity provider and maps their claims to a
 * principal. Signature, issuer, audience and expiry are checked by jose, and `exp` is required:
 * a token that never expires would outlive a revoked account, and so would a session made
 * from it, and so is `sub`. A token without a recognised role, or a non-admin token without a
 * valid tenant, is refused with 403 since it authenticated but grants nothing.
 */
export function createOidcVerifier(options: OidcOptions): OidcVerifier {
  const jwks = options.jwks ?? createRemoteJWKSet(new URL(options.jwksUrl ?? `${options.issuer.replace(/\/$/, '')}/.well-known/jwks.json`));
  const roleClaim = options.roleClaim ?? DEFAULT_ROLE_CLAIM;
  const tenantClaim = options.tenantClaim ?? DEFAULT_TENANT_CLAIM;
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockToleranceSeconds ?? 30,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) throw new UnauthorizedError(`token rejected: ${error.code}`);
      throw error;
    }
    const role = roleOf(claimAt(payload, roleClaim));
    if (role === null) throw new ForbiddenError(`token has no ${roleClaim} claim naming a role (${ROLES.join(', ')})`);
    // The subject is who acted: it names the principal in sessions, rate limits and the jobs it
    // submits. Tokens without one would all be one principal, so none is accepted.
    const subject = payload.sub;
    if (typeof subject !== 'string' || subject === '') throw new UnauthorizedError('token rejected: it has no sub claim naming its subject');
    const name = stringClaim(payload, 'email') ?? stringClaim(payload, 'name') ?? subject;
    const expiresAt = payload.exp! * 1000;
    if (role === 'admin') return { principal: { keyId: `oidc:${subject}`, name, role, tenant: null }, expiresAt };
    const tenant = claimAt(payload, tenantClaim);
    if (typeof tenant !== 'string' || !TENANT_PATTERN.test(tenant)) {
      throw new ForbiddenError(`a ${role} token needs a ${tenantClaim} claim naming one tenant`);
    }
    return { principal: { keyId: `oidc:${subject}`, name, role, tenant }, expiresAt };
  };
}

/** A JWT has three base64url parts; anything else is not worth a signature check. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** ROLES is ordered most privileged first. */
function roleOf(value: unknown): Role | null {
  const candidates = Array.isArray(value) ? value : [value];
  return ROLES.find((role) => candidates.some((c) => isRole(c) && c === role)) ?? null;
}
