import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_ENTITY, SEED_SIZE, seedRecords } from './index.ts';
import { RecordNotFoundError } from './record-store.ts';
import { startEmulatedApp, type EmulatedApp } from './testing/emulated-app.ts';
import { FAKE_TENANT } from './testing/fake-job-context.ts';

let env: EmulatedApp;

beforeAll(async () => {
  env = await startEmulatedApp();
  await env.app.seed(FAKE_TENANT);
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

describe('RecordStore', () => {
  it('seeds 1,000 deterministic companies, once', async () => {
    const all = await env.records.query(SEED_ENTITY);
    expect(all).toHaveLength(SEED_SIZE);
    expect(all[0]).toMatchObject({ id: 'company-0001', name: 'Company 0001', type: 'a', city: 'Buenos Aires', touchCount: 0 });
    expect(all[1]).toMatchObject({ type: 'b', city: 'Madrid' });
    expect(all[2]).toMatchObject({ type: 'c', city: 'Lisbon' });

    await env.records.touchOnce(SEED_ENTITY, 'company-0005', 'seed-test');
    expect(await env.records.seed(SEED_ENTITY, seedRecords())).toBe(0);
    expect(await env.records.query(SEED_ENTITY)).toHaveLength(SEED_SIZE);
    // A second seed must not reset what jobs did to existing records.
    expect((await env.records.get(SEED_ENTITY, 'company-0005'))?.touchCount).toBe(1);
  });

  it('queries by type and city', async () => {
    const expected = seedRecords()
      .filter((r) => r.type === 'a' && r.city === 'Madrid')
      .map((r) => r.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(await env.records.queryIds(SEED_ENTITY, { type: 'a', city: 'Madrid' })).toEqual(expected);
    expect(await env.records.queryIds(SEED_ENTITY, { type: 'b' })).toHaveLength(333);
    expect(await env.records.queryIds(SEED_ENTITY, { city: 'Nowhere' })).toEqual([]);
    expect(await env.records.queryIds('no-such-entity')).toEqual([]);
  });

  it('pages through a partition larger than one Query response (1 MB)', async () => {
    const big = Array.from({ length: 700 }, (_, i) => ({
      id: `big-${String(i).padStart(4, '0')}`,
      name: 'x'.repeat(2_000),
      type: 'a' as const,
      city: 'Madrid',
      employees: i,
    }));
    await env.records.putMany('bigs', big);
    const pages: number[] = [];
    for await (const page of env.records.pages('bigs')) pages.push(page.length);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(700);
    expect(await env.records.queryIds('bigs', { type: 'a' })).toHaveLength(700);
  });

  it('gets by ids in the order asked, leaving out missing ones', async () => {
    const got = await env.records.getByIds(SEED_ENTITY, ['company-0150', 'nope', 'company-0002', 'company-0150']);
    expect(got.map((r) => r.id)).toEqual(['company-0150', 'company-0002', 'company-0150']);
    const many = seedRecords()
      .slice(0, 250)
      .map((r) => r.id);
    expect((await env.records.getByIds(SEED_ENTITY, many)).map((r) => r.id)).toEqual(many);
  });

  it('puts and deletes many', async () => {
    const items = seedRecords(60).map((r) => ({ ...r, id: `tmp-${r.id}` }));
    await env.records.putMany('tmp', items);
    expect(await env.records.queryIds('tmp')).toHaveLength(60);
    await env.records.deleteByIds(
      'tmp',
      items.slice(0, 55).map((r) => r.id),
    );
    expect(await env.records.queryIds('tmp')).toEqual(items.slice(55).map((r) => r.id));
  });

  it('keeps each tenant’s records apart, even under the same entity and ids', async () => {
    const acme = env.app.records('acme');
    const globex = env.app.records('globex');
    await acme.putMany('walled', seedRecords(3));
    expect(await globex.queryIds('walled')).toEqual([]);
    expect(await globex.getByIds('walled', ['company-0001'])).toEqual([]);
    await globex.deleteByIds('walled', ['company-0001']);
    await expect(globex.touchOnce('walled', 'company-0002', 'job-x')).rejects.toBeInstanceOf(RecordNotFoundError);
    expect(await acme.queryIds('walled')).toEqual(['company-0001', 'company-0002', 'company-0003']);
    expect((await acme.get('walled', 'company-0002'))?.touchCount).toBe(0);
  });

  it('touches a record once per job', async () => {
    const records = env.records;
    expect(await records.touchOnce(SEED_ENTITY, 'company-0010', 'job-a')).toBe(true);
    expect(await records.touchOnce(SEED_ENTITY, 'company-0010', 'job-a')).toBe(false);
    expect((await records.get(SEED_ENTITY, 'company-0010'))?.touchCount).toBe(1);
    expect(await records.touchOnce(SEED_ENTITY, 'company-0010', 'job-b')).toBe(true);
    expect((await records.get(SEED_ENTITY, 'company-0010'))?.touchCount).toBe(2);
  });

  it('touches concurrently without double counting', async () => {
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => env.records.touchOnce(SEED_ENTITY, 'company-0011', 'job-c')));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect((await env.records.get(SEED_ENTITY, 'company-0011'))?.touchCount).toBe(1);
  });

  it('refuses to touch a missing record rather than creating it', async () => {
    await expect(env.records.touchOnce(SEED_ENTITY, 'company-9999', 'job-a')).rejects.toBeInstanceOf(RecordNotFoundError);
    expect(await env.records.get(SEED_ENTITY, 'company-9999')).toBeUndefined();
  });
});
