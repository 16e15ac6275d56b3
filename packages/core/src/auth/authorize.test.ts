import { describe, expect, it } from 'vitest';
import { assertAdmin, assertCanWrite, scopeOf, submissionTenant } from './authorize.ts';
import type { Principal } from './principal.ts';

const admin: Principal = { keyId: 'k1', name: 'root', role: 'admin', tenant: null };
const tenantAdmin: Principal = { keyId: 'k2', name: 'ops', role: 'tenant-admin', tenant: 'acme' };
const viewer: Principal = { keyId: 'k3', name: 'eyes', role: 'viewer', tenant: 'acme' };

describe('scopeOf', () => {
  it.each([
    [admin, undefined, { allTenants: true }],
    [admin, 'globex', { tenant: 'globex' }],
    [tenantAdmin, undefined, { tenant: 'acme' }],
    [tenantAdmin, 'acme', { tenant: 'acme' }],
    [viewer, null, { tenant: 'acme' }],
  ])('%o asking for %s sees %o', (principal, requested, scope) => {
    expect(scopeOf(principal, requested)).toEqual(scope);
  });

  it('refuses a non-admin naming another tenant', () => {
    expect(() => scopeOf(viewer, 'globex')).toThrow(expect.objectContaining({ code: 'forbidden', message: 'this key is limited to tenant acme' }));
  });
});

describe('writes', () => {
  it('are refused to viewers only', () => {
    expect(() => assertCanWrite(viewer)).toThrow(expect.objectContaining({ code: 'forbidden', message: 'viewer keys are read-only' }));
    expect(() => assertCanWrite(tenantAdmin)).not.toThrow();
    expect(() => assertAdmin(tenantAdmin)).toThrow(expect.objectContaining({ code: 'forbidden', message: 'only admins may do this' }));
    expect(() => assertAdmin(admin)).not.toThrow();
  });

  it.each([
    [admin, undefined, 'default'],
    [admin, 'globex', 'globex'],
    [tenantAdmin, undefined, 'acme'],
    [tenantAdmin, 'acme', 'acme'],
  ])('a submission by %o naming %s goes to %s', (principal, requested, tenant) => {
    expect(submissionTenant(principal, requested)).toBe(tenant);
  });

  it('keeps submissions inside a tenant-admin’s tenant', () => {
    expect(() => submissionTenant(tenantAdmin, 'globex')).toThrow(
      expect.objectContaining({ code: 'forbidden', message: 'this key is limited to tenant acme' }),
    );
    expect(() => submissionTenant(viewer, undefined)).toThrow(expect.objectContaining({ code: 'forbidden' }));
  });
});
