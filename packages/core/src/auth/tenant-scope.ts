/**
 * Who may see a job: one tenant, or every tenant (system admins). Every read and operation
 * takes one; `scopeOf` (authorize.ts) derives it from a principal.
 */
export type TenantScope = { tenant: string } | { allTenants: true };
