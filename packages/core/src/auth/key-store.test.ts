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
});

describe('validateNewKey', () => {
  it('accepts an admin without tenant and a scoped role with one', () => {
    expect(validateNewKey({ name: ' root ', role: 'admin' })).toEqual({ name: 'root', role: 'admin', tenant: null });
    expect(validateNewKey({ name: 'ops', role: 'viewer', tenant: 'acme' })).toEqual({ name: 'ops', role: 'viewer', tenant: 'acme' });
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
