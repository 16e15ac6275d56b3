import { ForbiddenError } from '../errors.ts';
import type { TenantScope } from './tenant-scope.ts';
import { DEFAULT_TENANT, type Principal } from './principal.ts';

/**
 * What a principal may see and do. Reads are scoped (another tenant's job is reported as not
 * found by the engine, so ids are no oracle); writes additionally need a non-viewer role.
 */
export function scopeOf(principal: Principal, requestedTenant?: string | null): TenantScope {
  if (principal.role === 'admin') return requestedTenant ? { tenant: requestedTenant } : { allTenants: true };
  if (requestedTenant && requestedTenant !== principal.tenant) {
    throw new ForbiddenError(`this key is limited to tenant ${principal.tenant}`);
  }
  return { tenant: principal.tenant! };
}

export function assertCanWrite(principal: Principal): void {
  if (principal.role === 'viewer') throw new ForbiddenError('viewer keys are read-only');
}

export function assertAdmin(principal: Principal): void {
  if (principal.role !== 'admin') throw new ForbiddenError('only admins may do this');
}

/** The tenant a new job gets: the caller's own; an admin may name any, else `default`. */
export function submissionTenant(principal: Principal, requested: string | undefined): string {
  assertCanWrite(principal);
  if (principal.role === 'admin') return requested ?? DEFAULT_TENANT;
  if (requested !== undefined && requested !== principal.tenant) {
    throw new ForbiddenError(`this key is limited to tenant ${principal.tenant}`);
  }
  return principal.tenant!;
}
