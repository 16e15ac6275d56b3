import { describe, expect, it } from 'vitest';
import { defineJob, defineSchedule, JobRegistry } from '@stint/sdk';
import { ScheduleCatalog } from './schedule-catalog.ts';

const registry = new JobRegistry([
  defineJob({ type: 'QUICK', run: async () => ({}) }),
  defineJob({ type: 'WALK', access: { submit: 'internal' }, run: async () => ({}) }),
]);
const schedule = (id: string, scope: 'tenant' | 'installation', jobType = 'QUICK') =>
  defineSchedule({ id, description: id, jobType, data: {}, scope, automatic: { cron: '0 1 * * *', timeZone: 'UTC' } });

describe('schedule catalog', () => {
  it('refuses an unknown job type, an internal one and a repeated id at startup', () => {
    expect(() => new ScheduleCatalog([schedule('a', 'tenant', 'NOPE')], registry)).toThrow(/NOPE, which is not registered/);
    expect(() => new ScheduleCatalog([schedule('a', 'tenant', 'WALK')], registry)).toThrow('schedule a runs job type WALK, which is internal');
    expect(() => new ScheduleCatalog([schedule('a', 'tenant'), schedule('a', 'installation')], registry)).toThrow(/defined twice/);
  });

  it('expects a row per user tenant for tenant schedules and one for the installation', () => {
    const catalog = new ScheduleCatalog([schedule('per-tenant', 'tenant'), schedule('whole', 'installation')], registry);
    expect(catalog.rows(['beta', '_admin', 'acme'])).toEqual([
      { id: 'per-tenant', tenant: 'acme' },
      { id: 'per-tenant', tenant: 'beta' },
      { id: 'whole', tenant: null },
    ]);
    expect(catalog.signature(['a', 'b'])).toBe(catalog.signature(['b', 'a']));
    expect(catalog.signature(['a'])).not.toBe(catalog.signature(['a', 'b']));
  });

  it('resolves a ref only with the tenant its scope needs', () => {
    const catalog = new ScheduleCatalog([schedule('per-tenant', 'tenant'), schedule('whole', 'installation')], registry);
    expect(() => catalog.resolve({ id: 'missing', tenant: null })).toThrow(expect.objectContaining({ code: 'notFound' }));
    expect(() => catalog.resolve({ id: 'per-tenant', tenant: null })).toThrow(expect.objectContaining({ code: 'badRequest', field: 'tenant' }));
    expect(() => catalog.resolve({ id: 'whole', tenant: 'acme' })).toThrow(expect.objectContaining({ code: 'badRequest', field: 'tenant' }));
    expect(catalog.resolve({ id: 'whole', tenant: null }).id).toBe('whole');
    // ADMIN_TENANT holds installation rows only: a per-tenant schedule never runs there.
    expect(() => catalog.resolve({ id: 'per-tenant', tenant: '_admin' })).toThrow(expect.objectContaining({ code: 'notFound' }));
  });
});

describe('defineSchedule', () => {
  const base = { id: 'nightly', description: 'd', jobType: 'QUICK', data: {}, scope: 'tenant' as const, automatic: { cron: '0 2 * * *', timeZone: 'UTC' } };
  it.each([
    [{ id: 'Nightly' }, /must match/],
    [{ description: ' ' }, /needs a description/],
    [{ automatic: { cron: '0 2 * *', timeZone: 'UTC' } }, /not valid/],
    [{ automatic: { cron: '0 0 2 * * *', timeZone: 'UTC' } }, /5 fields/],
    [{ automatic: { cron: '0 2 * * *', timeZone: 'Moon/Base' } }, /not an IANA time zone/],
    [{ overlap: 'queue' as 'skip' }, /overlap must be "allow" or "skip"/],
  ])('refuses %j', (override, message) => {
    expect(() => defineSchedule({ ...base, ...override })).toThrow(message);
  });
});
