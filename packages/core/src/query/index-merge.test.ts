import { describe, expect, it } from 'vitest';
import type { IndexQuery, JobStore } from '../store/job-store.ts';
import { createSortKey } from '../store/table-keys.ts';
import { chunkSize, IndexMerge, type SortKeyRange } from './index-merge.ts';

/** The job id of a `<createDate:13>#<id>` sort key, as the layout is written down. */
const idOfSortKey = (sortKey: string) => sortKey.slice(14);

/** A queryIndex with DynamoDB's semantics for what IndexMerge uses: BETWEEN, start key, limit, descending. */
function fakeStore(partitions: Record<string, string[]>) {
  let requests = 0;
  const store = {
    async queryIndex(q: IndexQuery) {
      requests++;
      const [lo, hi] = q.between!;
      const start = q.startKey?.[`${q.index}sk`] as string | undefined;
      if (start !== undefined && (start < lo || start > hi)) throw new Error('The provided starting key does not match the range key predicate');
      if (start !== undefined && q.startKey?.pk !== `J#${idOfSortKey(start)}`) throw new Error('start key does not name its item');
      const all = (partitions[q.partition] ?? []).filter((sk) => sk >= lo && sk <= hi && (start === undefined || sk < start));
      all.sort().reverse();
      const keys = all.slice(0, q.limit).map((sk) => ({ [`${q.index}pk`]: q.partition, [`${q.index}sk`]: sk, pk: `J#${idOfSortKey(sk)}`, sk: 'J' }));
      return { keys, lastKey: keys.length === q.limit ? keys.at(-1) : undefined };
    },
  };
  return { store: store as unknown as JobStore, requests: () => requests };
}

function random(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

const FULL: SortKeyRange = ['0', '9999999999999#~'];

describe('IndexMerge', () => {
  it('merges partitions newest first, resumes from a position, and reads little ahead', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rnd = random(seed);
      const count = 1 + Math.floor(rnd() * 6);
      const partitions: Record<string, string[]> = {};
      const everything: string[] = [];
      for (let p = 0; p < count; p++) {
        const size = Math.floor(rnd() * (rnd() < 0.3 ? 3 : 120));
        partitions[`P${p}`] = Array.from({ length: size }, (_, i) => createSortKey(Math.floor(rnd() * 5_000), `p${p}i${i}`));
        everything.push(...partitions[`P${p}`]!);
      }
      const lo = rnd() < 0.5 ? '0' : createSortKey(1_000, '');
      const range: SortKeyRange = [lo, FULL[1]];
      const expected = everything
        .filter((sk) => sk >= lo)
        .sort()
        .reverse();
      const sources = Object.keys(partitions).map((partition) => ({ index: 'gsi2' as const, partition }));

      const { store } = fakeStore(partitions);
      const got: string[] = [];
      let position: string | undefined;
      // Pages of random sizes, each a fresh merge resumed from the last key, as requests are.
      while (true) {
        const merge = new IndexMerge(store, sources, range, position);
        const want = 1 + Math.floor(rnd() * 40);
        const keys = [...(await merge.next(Math.ceil(want / 2))), ...(await merge.next(Math.floor(want / 2)))];
        got.push(...keys);
        expect(merge.keysRead, `seed ${seed}`).toBeLessThanOrEqual(keys.length + count * (chunkSize(want) + 1) + 1);
        if (keys.length > 0) position = keys.at(-1);
        const more = await merge.hasMore();
        expect(more).toBe(got.length < expected.length);
        if (!more) break;
      }
      expect(got, `seed ${seed}`).toEqual(expected);
    }
  });

  it('reads one partition in a single request per page', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => createSortKey(i, `id${i}`));
    const { store, requests } = fakeStore({ P: keys });
    const merge = new IndexMerge(store, [{ index: 'gsi1', partition: 'P' }], FULL);
    expect(await merge.next(50)).toEqual(keys.slice(250).reverse());
    expect(merge.keysRead).toBe(50);
    expect(requests()).toBe(1);
    expect(await merge.hasMore()).toBe(true);
    expect(requests()).toBe(1);
  });

  it('reads interleaved partitions in chunks and a long run down to the next head', async () => {
    const interleaved = { A: [] as string[], B: [] as string[] };
    for (let i = 0; i < 400; i++) (i % 2 === 0 ? interleaved.A : interleaved.B).push(createSortKey(i, `id${i}`));
    const a = fakeStore(interleaved);
    const sources = [
      { index: 'gsi2' as const, partition: 'A' },
      { index: 'gsi2' as const, partition: 'B' },
    ];
    const merge = new IndexMerge(a.store, sources, FULL);
    expect(await merge.next(100)).toHaveLength(100);
    expect(merge.keysRead).toBeLessThanOrEqual(100 + 2 * 8);
    expect(a.requests()).toBeLessThanOrEqual(14);

    // A holds the 300 newest keys, B the older ones: A's run is read down to B's head at once.
    const runs = { A: [] as string[], B: [] as string[] };
    for (let i = 0; i < 400; i++) (i >= 100 ? runs.A : runs.B).push(createSortKey(i, `id${i}`));
    const b = fakeStore(runs);
    const long = new IndexMerge(b.store, sources, FULL);
    expect(await long.next(100)).toEqual(runs.A.slice(200).reverse());
    expect(long.keysRead).toBeLessThanOrEqual(100 + 2 * 8 + 1);
    expect(b.requests()).toBeLessThanOrEqual(3);
  });

  it('fills a page from the shards of one status in one parallel read, mostly', async () => {
    const rnd = random(7);
    const shards: Record<string, string[]> = { S0: [], S1: [], S2: [], S3: [] };
    for (let i = 0; i < 1_000; i++) shards[`S${Math.floor(rnd() * 4)}`]!.push(createSortKey(i, `id${i}`));
    const newest = Object.values(shards).flat().sort().reverse();
    const read = async (withShards: boolean) => {
      const { store, requests } = fakeStore(shards);
      const sources = Object.keys(shards).map((partition) => ({ index: 'gsi2' as const, partition, ...(withShards ? { shards: 4 } : {}) }));
      const merge = new IndexMerge(store, sources, FULL);
      expect(await merge.next(50)).toEqual(newest.slice(0, 50));
      return { keys: merge.keysRead, requests: requests() };
    };
    // A share of 13 keys and 2 more from each shard: 60 keys in 4 requests sent at once, and
    // another request or two where the spread was uneven.
    const sharded = await read(true);
    expect(sharded.keys).toBeLessThanOrEqual(60 + 2 * 15);
    expect(sharded.requests).toBeLessThanOrEqual(6);
    // Chunks of 8 from each: the same page in sequential round trips.
    expect((await read(false)).requests).toBeGreaterThanOrEqual(8);
  });

  it('reports no more when the range holds nothing', async () => {
    const { store } = fakeStore({ A: [createSortKey(5, 'a')], B: [] });
    const merge = new IndexMerge(
      store,
      [
        { index: 'gsi3', partition: 'A' },
        { index: 'gsi3', partition: 'B' },
      ],
      [createSortKey(6, ''), FULL[1]],
    );
    expect(await merge.next(10)).toEqual([]);
    expect(await merge.hasMore()).toBe(false);
  });
});
