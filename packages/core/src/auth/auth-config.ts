import { BadRequestError } from '../errors.ts';
import type { OidcOptions } from './oidc.ts';

/**
 * Environment variables of the api's authentication. Both deployments pass them through; none
 * is a secret (the admin token is read from the api's secret store, see api-secrets.ts).
 */
export const AUTH_ENV = {
  oidcIssuer: 'STINT_OIDC_ISSUER',
  oidcAudience: 'STINT_OIDC_AUDIENCE',
  oidcJwksUrl: 'STINT_OIDC_JWKS_URL',
  oidcRoleClaim: 'STINT_OIDC_ROLE_CLAIM',
  oidcTenantClaim: 'STINT_OIDC_TENANT_CLAIM',
} as const;

export interface AuthConfig {
  oidc: OidcOptions | null;
}

/** Reads the auth settings; a half-configured OIDC is a deployment error, said plainly. */
export function loadAuthConfig(env: Record<string, string | undefined> = process.env): AuthConfig {
  const value = (name: string) => {
    const raw = env[name]?.trim();
    return raw ? raw : null;
  };
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
