import { describe, expect, it } from 'vitest';
import { matchesAdminToken } from './admin-token.ts';
import { generateApiKey, hashApiKey, looksLikeApiKey, validateNewKey } from './key-store.ts';

describe('API key material', () => {
  it('is `stint_` and 32 random bytes, hashed with SHA-256', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^stint_[A-Za-z0-9_-]{43}$/);
    expect(generateApiKey()).not.toBe(key);
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    expect(hashApiKey(key)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(looksLikeApiKey(key)).toBe(true);
    expect(looksLikeApiKey('eyJhbGciOi.x.y')).toBe(false);
  });

  it('takes a token as a key only up to 199 characters: longer is not worth hashing', () => {
    expect(looksLikeApiKey(`stint_${'a'.repeat(193)}`)).toBe(true);
    expect(looksLikeApiKey(`stint_${'a'.repeat(194)}`)).toBe(false);
  });
});

describe('validateNewKey', () => {
  it('accepts an admin without tenant and a scoped role with one', () => {
    expect(validateNewKey({ name: ' root ', role: 'admin' })).toEqual({ name: 'root', role: 'admin', tenant: null });
    expect(validateNewKey({ name: 'ops', role: 'viewer', tenant: 'acme' })).toEqual({ name: 'ops', role: 'viewer', tenant: 'acme' });
    expect(validateNewKey({ name: 'n'.repeat(100), role: 'tenant-admin', tenant: 'a-1' }).name).toHaveLength(100);
  });

  it.each([
    [{ name: '   ', role: 'admin' }, 'name must be 1 to 100 characters'],
    [{ name: 42, role: 'admin' }, 'name must be 1 to 100 characters'],
    [{ role: 'admin' }, 'name must be 1 to 100 characters'],
    [{ name: 'x', role: 'root' }, 'role must be admin, tenant-admin or viewer'],
    [{ name: 'x', role: 'admin', tenant: 'acme' }, 'an admin key sees every tenant; leave tenant out'],
    [{ name: 'x', role: 'viewer' }, 'a viewer key needs a tenant (lower-case letters, digits and dashes)'],
    // The pattern holds the whole tenant, not a prefix of it.
    [{ name: 'x', role: 'tenant-admin', tenant: 'acme/x' }, 'a tenant-admin key needs a tenant (lower-case letters, digits and dashes)'],
  ])('explains why %j is refused', (input, message) => {
    expect(() => validateNewKey(input as never)).toThrow(expect.objectContaining({ code: 'badRequest', message }));
  });

  it.each([
    [{ name: '', role: 'admin' }, 'name'],
    [{ name: 'x'.repeat(101), role: 'admin' }, 'name'],
    [{ name: 'x', role: 'root' }, 'role'],
    [{ name: 'x', role: 'admin', tenant: 'acme' }, 'tenant'],
    [{ name: 'x', role: 'tenant-admin' }, 'tenant'],
    [{ name: 'x', role: 'viewer', tenant: '_admin' }, 'tenant'],
  ])('refuses %j naming %s', (input, field) => {
    expect(() => validateNewKey(input as never)).toThrow(expect.objectContaining({ code: 'badRequest', field }));
  });
});

describe('matchesAdminToken', () => {
  it('matches only the exact token, whatever the lengths', () => {
    const configured = 'a-long-bootstrap-token';
    expect(matchesAdminToken(configured, configured)).toBe(true);
    expect(matchesAdminToken(`${configured}!`, configured)).toBe(false);
    expect(matchesAdminToken('a', configured)).toBe(false);
    expect(matchesAdminToken('', configured)).toBe(false);
  });
});
