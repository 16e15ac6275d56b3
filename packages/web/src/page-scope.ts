import { BadRequestError, type TenantScope } from '@stint/core';
import { scopeOf } from '@stint/core/auth/authorize';
import type { Principal } from '@stint/core/auth/principal';
import type { JobScope } from '@stint/core/query/job-finder';
import { finderScope } from '@stint/core/system-jobs/system-scope';
import type { WebServices } from './web-services.ts';

/** What a principal sees, in the three forms the core's readers take. As the api scopes a request without `tenant`. */
export interface PageScope {
  scope: TenantScope;
  finder: () => Promise<JobScope>;
  /** Counters are kept per tenant; an all-tenant scope adds up every tenant's. */
  counterTenants: () => Promise<string | string[]>;
}

export function pageScope(services: WebServices, principal: Principal): PageScope {
  const scope = scopeOf(principal, null);
  return {
    scope,
    finder: () => finderScope(scope, services.tenants),
    counterTenants: async () => ('tenant' in scope ? scope.tenant : services.tenants.list()),
  };
}

/** A bad filter is the viewer's to fix: shown on the page, not as an error page. */
export async function orBadRequest<T>(work: () => Promise<T>): Promise<{ value: T; error: null } | { value: null; error: string }> {
  try {
    return { value: await work(), error: null };
  } catch (error) {
    if (error instanceof BadRequestError) return { value: null, error: error.message };
    throw error;
  }
}
