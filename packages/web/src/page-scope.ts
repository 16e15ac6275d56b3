import { BadRequestError, type TenantScope } from '@stint/core';
import { type Principal, scopeOf } from '@stint/core/auth';

/** What a principal sees on the pages: as the api scopes a request without `tenant`. */
export function pageScope(principal: Principal): TenantScope {
  return scopeOf(principal, null);
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
