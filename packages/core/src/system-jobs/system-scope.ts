import type { TenantScope } from '../engine/operations.ts';
import type { JobScope } from '../query/job-finder.ts';
import { ADMIN_TENANT } from '../auth/principal.ts';
import type { TenantDirectory } from '../auth/tenant-directory.ts';

/**
 * What a system job may touch follows from the tenant it lives in, never from its data: a
 * job in a tenant acts on that tenant only, and only jobs in ADMIN_TENANT (which the api
 * creates for admins, and which no key or submission can name) act on every tenant. A
 * crafted `data` therefore cannot widen a system job's reach.
 */
export function systemJobScope(jobTenant: string): TenantScope {
  return jobTenant === ADMIN_TENANT ? { allTenants: true } : { tenant: jobTenant };
}

/** The finder's form of a scope: all tenants means every tenant the directory knows. */
export async function finderScope(scope: TenantScope, tenants: TenantDirectory): Promise<JobScope> {
  if ('tenant' in scope) return { tenant: scope.tenant };
  return { allTenants: true, tenants: await tenants.list() };
}
