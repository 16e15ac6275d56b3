import { INSTALLATION_TENANT } from '@stint/sdk';

/**
 * Who is calling. Every authenticated request carries one, however it authenticated (API key,
 * bootstrap admin token, OIDC token); authorization decides from the principal alone.
 */
export const ROLES = ['admin', 'tenant-admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** The API key's id, `admin-token`, or `oidc:<sub>`: what rate limits and audit lines key on. */
  keyId: string;
  name: string;
  role: Role;
  /** The one tenant a tenant-admin or viewer sees; null for admins (every tenant). */
  tenant: string | null;
}

/** Same rule as a submission's tenant, so a key can only name a tenant a job can have. */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Jobs submitted without a tenant (by an admin, or an intake message naming none) land here. */
export const DEFAULT_TENANT = 'default';

/**
 * Tenant of the system jobs an admin starts over every tenant (an all-tenant export, bulk
 * operation or clear). It cannot match TENANT_PATTERN, so no key, token or submission can be
 * given it: only admins, who see all tenants, ever see those jobs and their result files.
 */
export const ADMIN_TENANT = INSTALLATION_TENANT;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
