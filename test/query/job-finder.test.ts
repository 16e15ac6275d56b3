import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError } from '@stint/core/errors';
import type { JobRecord } from '@stint/core/job-record';
import type { JobStore } from '@stint/core/store/job-store';
import { newJobRecord } from '@stint/core/new-job';
import { openCursors } from '@stint/core/query/cursor';
import { findJobs, type FindJobsResult, type JobScope } from '@stint/core/query/job-finder';
import { parseJobQuery, type JobQuery } from '@stint/core/query/job-query';
import { createSortKey } from '@stint/core/store/table-keys';
import { BASE, newTable, seedJobs, startEnv, type Env, type Seed } from './seed-jobs.ts';

const NOW = BASE + 100 * 86_400_000;
let env: Env;
let store: JobStore;
let seed: Seed;
let tenant: string;
/** itemsRead per full page, by case, for the report. */
const figures: Record<string, number[]> = {};

beforeAll(async () => {
  // Set QUERY_DYNAMO=dynamodb-local to run this suite on AWS's DynamoDB Local instead of dynalite.
  env = await startEnv(process.env.QUERY_DYNAMO === 'dynamodb-local' ? 'dynamodb-local' : 'dynalite');
  store = await newTable(env);
  seed = await seedJobs(store, [2000, 800, 200]);
  tenant = seed.tenants[0]!;
}, 60_000);

afterAll(async () => {
  console.log('itemsRead per page:', JSON.stringify(figures));
  await env?.emulators.stop();
});

/** The expected rows, computed independently of the finder from the seed records. */
function oracle(tenants: string[], q: JobQuery): JobRecord[] {
  const within = (v: number | undefined, r: JobQuery['create']) =>
    r === null || (v !== undefined && (r.from === null || v >= r.from) && (r.to === null || v <= r.to));
  const needle = q.q?.toLowerCase();
  return seed.records
    .filter(
      (r) =>
        tenants.includes(r.tenant) &&
        (q.system || !r.system) &&
        (q.children || q.parentId !== null || q.rootId !== null || !r.parentId) &&
        (q.statuses.length === 0 || q.statuses.includes(r.status)) &&
        (q.types.length === 0 || q.types.includes(r.type)) &&
        (q.parentId === null || r.parentId === q.parentId) &&
        (q.rootId === null || r.rootId === q.rootId) &&
        (q.hasErrors === null || r.hasErrors === q.hasErrors) &&
        within(r.createDate, q.create) &&
        within(r.startDate, q.start) &&
        within(r.endDate, q.end) &&
        (needle === undefined || [r.label, r.type, r.runBy?.name ?? ''].some((s) => s.toLowerCase().includes(needle))),
    )
    .sort((a, b) => (createSortKey(b.createDate, b.id) < createSortKey(a.createDate, a.id) ? -1 : 1));
}

async function allPages(scope: JobScope, params: Record<string, string>) {
  const pages: FindJobsResult[] = [];
  let cursor: string | undefined;
  do {
    const page = await findJobs(store, scope, parseJobQuery({ ...params, ...(cursor ? { cursor } : {}) }), NOW, openCursors);
    pages.push(page);
    cursor = page.nextCursor ?? undefined;
    expect(pages.length).toBeLessThan(400);
  } while (cursor);
  return { pages, ids: pages.flatMap((p) => p.items.map((j) => j.id)) };
}

function expectSameRows(ids: string[], expected: JobRecord[]) {
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual(expected.map((r) => r.id));
}

const day = (n: number) => String(BASE + n * 86_400_000);

describe('findJobs against a seeded table', () => {
  const cases: Array<[string, () => Record<string, string>]> = [
    ['no filter', () => ({ _size: '97' })],
    ['status', () => ({ status: 'RUNNING' })],
    ['status list', () => ({ status: 'PENDING,STOPPED,CANCELING' })],
    ['type', () => ({ type: 'EXPORT_RECORDS' })],
    ['type list', () => ({ type: 'IMPORT_RECORDS,DELETE_RECORDS', _size: '97' })],
    ['createFrom', () => ({ createFrom: day(25) })],
    ['createTo', () => ({ createTo: day(3) })],
    ['create range', () => ({ createFrom: day(5), createTo: day(7) })],
    ['start range', () => ({ startFrom: day(10), startTo: day(12) })],
    ['startFrom alone', () => ({ startFrom: day(27), _size: '100' })],
    ['endTo alone', () => ({ endTo: day(2) })],
    ['end range', () => ({ endFrom: day(20), endTo: day(21) })],
    ['hasErrors=true', () => ({ hasErrors: 'true' })],
    ['hasErrors=false', () => ({ hasErrors: 'false', _size: '200' })],
    ['system=true', () => ({ system: 'true', _size: '200' })],
    ['children=true', () => ({ children: 'true', _size: '200' })],
    ['children + system + status list', () => ({ children: 'true', system: 'true', status: 'FINISHED,STOPPED' })],
    ['children + status list over the sharded statuses', () => ({ children: 'true', status: 'PENDING,RUNNING' })],
    ['children + type list', () => ({ children: 'true', type: 'IMPORT_RECORDS,EXECUTE_ACTION' })],
    ['parentId', () => ({ parentId: seed.bigParent.id })],
    ['rootId', () => ({ rootId: seed.bigParent.id, _size: '25' })],
    ['q on label', () => ({ q: 'INVOICES' })],
    ['q on runBy name', () => ({ q: 'hopper', _size: '100' })],
    ['q on type', () => ({ q: 'delete_rec', status: 'FINISHED' })],
    [
      'status + type + create range + hasErrors',
      () => ({ status: 'FINISHED,CANCELED', type: 'IMPORT_RECORDS', createFrom: day(4), createTo: day(20), hasErrors: 'false' }),
    ],
    ['parentId + status + end range', () => ({ parentId: seed.bigParent.id, status: 'FINISHED', endFrom: day(3) })],
    ['system + status list + createTo', () => ({ system: 'true', status: 'FINISHED,STOPPED', createTo: day(15) })],
    ['type list + q + startFrom', () => ({ type: 'EXECUTE_ACTION,EXPORT_RECORDS', q: 'orders', startFrom: day(2) })],
    ['hasErrors + system + createFrom', () => ({ hasErrors: 'true', system: 'true', createFrom: day(9), _size: '25' })],
  ];

  it.each(cases)('%s: pages add up to the oracle, no duplicates, no gaps', async (name, params) => {
    const p = { _size: '37', ...params() };
    const { pages, ids } = await allPages({ tenant }, p);
    const expected = oracle([tenant], parseJobQuery(p));
    expectSameRows(ids, expected);
    const size = parseJobQuery(p).size;
    const q = parseJobQuery(p);
    const keyOnly =
      q.start === null &&
      q.end === null &&
      q.hasErrors === null &&
      q.rootId === null &&
      q.q === null &&
      !(q.statuses.length > 0 && q.types.length > 0) &&
      !(q.parentId !== null && (q.statuses.length > 0 || q.types.length > 0));
    // PENDING and RUNNING are spread over 4 shards (a child listing's over 8), and a child
    // listing's other statuses, list and types, and a parent's children, over 4: each shard reads its share of a page and
    // 2 more (+1, the look at what follows); any other partition a chunk of 8 (+1).
    const sharded = (shards: number) => shards * (Math.ceil(size / shards) + 3);
    const aheadOf = (status: string | null, child: boolean) => {
      const busy = status !== null && ['PENDING', 'RUNNING'].includes(status);
      if (child) return sharded(busy ? 8 : 4);
      return busy ? sharded(4) : 9;
    };
    const aheadPerListing = (child: boolean) =>
      q.statuses.length > 0 ? q.statuses.reduce((sum, status) => sum + aheadOf(status, child), 0) : aheadOf(null, child) * Math.max(1, q.types.length);
    const childListings = q.children || q.rootId !== null ? [false, true] : [false];
    const readAhead = q.parentId !== null ? sharded(4) : (q.system ? 2 : 1) * childListings.reduce((sum, child) => sum + aheadPerListing(child), 0);
    for (const page of pages) {
      // Key filters: a page costs its keys and items plus what each partition reads ahead.
      // Other filters: at most 2 keys per row (5 for q) and their items, then `partial`.
      const perRow = q.q !== null ? 5 : 2;
      const bound = (keyOnly ? 2 * size : 2 * perRow * size) + readAhead + 1;
      expect(page.itemsRead, name).toBeLessThanOrEqual(bound);
      if (page.partial) expect(page.nextCursor).not.toBeNull();
    }
    if (keyOnly)
      figures[name] = pages
        .filter((pg) => pg.items.length === size)
        .map((pg) => pg.itemsRead)
        .slice(0, 3);
  });

  it('reads the same per page whatever the tenant size (2,000 vs 200 jobs)', async () => {
    const big = await findJobs(store, { tenant: seed.tenants[0]! }, parseJobQuery({ status: 'FINISHED', _size: '50' }), NOW, openCursors);
    const small = await findJobs(store, { tenant: seed.tenants[2]! }, parseJobQuery({ status: 'FINISHED', _size: '50' }), NOW, openCursors);
    expect(big.items).toHaveLength(50);
    expect(small.items).toHaveLength(50);
    expect(big.itemsRead).toBe(100);
    expect(small.itemsRead).toBe(100);
    const parent = await findJobs(store, { tenant }, parseJobQuery({ parentId: seed.bigParent.id, _size: '50' }), NOW, openCursors);
    const twoStatuses = await findJobs(store, { tenant }, parseJobQuery({ status: 'FINISHED,CANCELED', _size: '50' }), NOW, openCursors);
    const type = await findJobs(store, { tenant }, parseJobQuery({ type: 'IMPORT_RECORDS', _size: '50' }), NOW, openCursors);
    figures['first page, _size 50'] = [big.itemsRead, small.itemsRead, parent.itemsRead, twoStatuses.itemsRead, type.itemsRead];
    // 50 keys, 50 items, and the parent, read to check that the caller may see its children;
    // the children's 4 shards read ahead as a sharded status's do.
    expect(parent.itemsRead).toBeLessThanOrEqual(101 + 4 * (Math.ceil(50 / 4) + 3));
    expect(type.itemsRead).toBe(100);
    expect(twoStatuses.itemsRead).toBeLessThanOrEqual(100 + 2 * 9 + 1);
  });

  it('merges every tenant for an admin, and keeps tenants apart otherwise', async () => {
    const params = { status: 'STOPPED,CANCELING', system: 'true', _size: '45' };
    const { ids, pages } = await allPages({ allTenants: true, tenants: seed.tenants }, params);
    expectSameRows(ids, oracle(seed.tenants, parseJobQuery(params)));
    expect(Math.max(...pages.map((p) => p.itemsRead))).toBeLessThanOrEqual(2 * 45 + 12 * 9 + 1);
    const other = await findJobs(store, { tenant: seed.tenants[1]! }, parseJobQuery({ parentId: seed.bigParent.id }), NOW, openCursors);
    expect(other).toEqual({ items: [], nextCursor: null, partial: false, itemsRead: 1 });
    const disjoint = await findJobs(store, { tenant }, parseJobQuery({ createFrom: day(10), endTo: day(5) }), NOW, openCursors);
    expect(disjoint).toEqual({ items: [], nextCursor: null, partial: false, itemsRead: 0 });
    const nobody = await findJobs(store, { allTenants: true, tenants: [] }, parseJobQuery({}), NOW, openCursors);
    expect(nobody).toEqual({ items: [], nextCursor: null, partial: false, itemsRead: 0 });
  });

  it('sorts by name within the newest window of the chosen index', async () => {
    const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
    const byName = (a: JobRecord, b: JobRecord) =>
      collator.compare(a.label, b.label) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) || (a.id < b.id ? -1 : 1);
    const small = { status: 'RUNNING', sort: 'name', _size: '30' };
    const running = await allPages({ tenant }, small);
    expectSameRows(running.ids, oracle([tenant], parseJobQuery(small)).sort(byName));
    expect(running.pages.every((p) => !p.partial)).toBe(true);

    const big = { sort: 'name', _size: '400' };
    const all = await allPages({ tenant }, big);
    const newest = oracle([tenant], parseJobQuery({})).slice(0, 1000).sort(byName);
    expectSameRows(all.ids, newest);
    expect(all.pages.every((p) => p.partial)).toBe(true);
  });

  it('refuses tampered, foreign and out-of-range cursors, naming cursor', async () => {
    const first = await findJobs(store, { tenant }, parseJobQuery({ status: 'FINISHED', createTo: day(30) }), NOW, openCursors);
    const cursor = first.nextCursor!;
    const reject = (params: Record<string, string>) =>
      expect(findJobs(store, { tenant }, parseJobQuery(params), NOW, openCursors)).rejects.toMatchObject({ code: 'badRequest', field: 'cursor' });
    await reject({ status: 'FINISHED', createTo: day(30), cursor: `${cursor.slice(0, -2)}x${cursor.slice(-1)}` });
    await reject({ status: 'FINISHED', createTo: day(30), cursor: 'bm90LWpzb24' });
    await reject({ status: 'RUNNING', createTo: day(30), cursor });
    await reject({ status: 'FINISHED', createTo: day(30), sort: 'name', cursor });
    const forged = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    forged.p = createSortKey(Number(day(31)), 'job00001');
    await reject({ status: 'FINISHED', createTo: day(30), cursor: Buffer.from(JSON.stringify(forged)).toString('base64url') });
    expect(() => parseJobQuery({ status: 'DONE' })).toThrow(BadRequestError);
    expect(() => parseJobQuery({ createFrom: day(2), createTo: day(1) })).toThrow(expect.objectContaining({ field: 'createTo' }));
  });
});

describe('findJobs while the table changes', () => {
  let small: JobStore;
  let smallSeed: Seed;
  beforeAll(async () => {
    small = await newTable(env);
    smallSeed = await seedJobs(small, [120], 11);
  }, 30_000);

  it('continues a cursor past jobs created after the first page, without gaps or repeats', async () => {
    const t = smallSeed.tenants[0]!;
    const first = await findJobs(small, { tenant: t }, parseJobQuery({ _size: '40' }), NOW, openCursors);
    const newer = Array.from({ length: 5 }, (_, i) =>
      newJobRecord({
        id: `new${i}`,
        type: 'EXECUTE_ACTION',
        label: 'late',
        tenant: t,
        system: false,
        data: {},
        runBy: null,
        lowPriority: false,
        parentId: null,
        rootId: `new${i}`,
        createDate: NOW + i,
      }),
    );
    await small.batchWrite(newer.map((Item) => ({ PutRequest: { Item } })));
    const ids = first.items.map((j) => j.id);
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await findJobs(small, { tenant: t }, parseJobQuery({ _size: '40', cursor }), NOW, openCursors);
      ids.push(...page.items.map((j) => j.id));
      cursor = page.nextCursor;
    }
    const expected = smallSeed.records
      .filter((r) => !r.system && !r.parentId)
      .sort((a, b) => (createSortKey(b.createDate, b.id) < createSortKey(a.createDate, a.id) ? -1 : 1));
    expect(ids).toEqual(expected.map((r) => r.id));
  });

  it('drops index entries the item no longer matches (KEYS_ONLY indexes lag)', async () => {
    const t = smallSeed.tenants[0]!;
    const running = await findJobs(small, { tenant: t }, parseJobQuery({ status: 'RUNNING', _size: '1000' }), NOW, openCursors);
    const victim = running.items[0]!;
    const record = (await small.get(victim.id))!;
    // The item moved on to FINISHED; its old status key is still in the index.
    await small.batchWrite([{ PutRequest: { Item: { ...record, status: 'FINISHED' } } }]);
    const again = await findJobs(small, { tenant: t }, parseJobQuery({ status: 'RUNNING', _size: '1000' }), NOW, openCursors);
    expect(again.items.map((j) => j.id)).toEqual(running.items.slice(1).map((j) => j.id));
  });
});
