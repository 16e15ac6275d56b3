import type { TenantScope } from '../auth/tenant-scope.ts';
import { ADMIN_TENANT } from '../auth/principal.ts';

/**
 * What a system job may touch follows from the tenant it lives in, never from its data: a
 * job in a tenant acts on that tenant only, and only jobs in ADMIN_TENANT (which the api
 * creates for admins, and which no key or submission can name) act on every tenant. A
 * crafted `data` therefore cannot widen a system job's reach.
 */
export function systemJobScope(jobTenant: string): TenantScope {
  return jobTenant === ADMIN_TENANT ? { allTenants: true } : { tenant: jobTenant };
}
