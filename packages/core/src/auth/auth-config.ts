import { BadRequestError } from '../errors.ts';
import { MIN_ADMIN_TOKEN_LENGTH } from './admin-token.ts';
import type { OidcOptions } from './oidc.ts';

/** Environment variables of the api's authentication. Both deployments pass them through. */
export const AUTH_ENV = {
  adminToken: 'STINT_ADMIN_TOKEN',
  oidcIssuer: 'STINT_OIDC_ISSUER',
  oidcAudience: 'STINT_OIDC_AUDIENCE',
  oidcJwksUrl: 'STINT_OIDC_JWKS_URL',
  oidcRoleClaim: 'STINT_OIDC_ROLE_CLAIM',
  oidcTenantClaim: 'STINT_OIDC_TENANT_CLAIM',
} as const;

export interface AuthConfig {
  adminToken: string | null;
  oidc: OidcOptions | null;
}

/** Reads the auth settings; a half-configured OIDC or a weak admin token is a deployment error, said plainly. */
export function loadAuthConfig(env: Record<string, string | undefined> = process.env): AuthConfig {
  const value = (name: string) => {
    const raw = env[name]?.trim();
    return raw ? raw : null;
  };
  const adminToken = value(AUTH_ENV.adminToken);
  if (adminToken !== null && adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new BadRequestError(`${AUTH_ENV.adminToken} must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`, AUTH_ENV.adminToken);
  }
  const issuer = value(AUTH_ENV.oidcIssuer);
  const audience = value(AUTH_ENV.oidcAudience);
  if ((issuer === null) !== (audience === null)) {
    throw new BadRequestError(`set both ${AUTH_ENV.oidcIssuer} and ${AUTH_ENV.oidcAudience}, or neither`, issuer ? AUTH_ENV.oidcAudience : AUTH_ENV.oidcIssuer);
  }
  const optional = (name: string, key: keyof OidcOptions) => {
    const v = value(name);
    return v === null ? {} : { [key]: v };
  };
  return {
    adminToken,
    oidc:
      issuer && audience
        ? {
            issuer,
            audience,
            ...optional(AUTH_ENV.oidcJwksUrl, 'jwksUrl'),
            ...optional(AUTH_ENV.oidcRoleClaim, 'roleClaim'),
            ...optional(AUTH_ENV.oidcTenantClaim, 'tenantClaim'),
          }
        : null,
  };
}
