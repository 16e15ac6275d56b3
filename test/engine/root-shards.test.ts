import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESORT_EVERY_MS, LANE_GRACE_MS, TOUCH_EVERY_MS } from '@stint/core/engine/dispatch-specs';
import { chargeShardOf, laneSortKey, readyPartitionOf, rootLaneKey, rootShards } from '@stint/core/store/table-keys';
import { engineInternals } from '@stint/core/testing';
import { startEmulators, type Emulators } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { pumpStack, type PumpStack } from '../support/pump-stack.ts';

/**
 * A tree's dispatch sets and charges spread over ROOT_SHARDS partitions by job (issue 17): its
 * children go to ROOT_SHARDS ready partitions, hold slots in as many in-flight partitions and
 * charge as many lane items, and the pump still serves them in the order they became ready,
 * under one bound, with the root sorted in its lane by its virtual time over all of them.
 */
/** At least this many children, and more until they cover every ready shard (their ids are the engine's). */
const CHILDREN = 12;

describe.each(DYNAMO_BACKENDS)('a tree’s sharded dispatch sets on %s', (backend) => {
  let emulators: Emulators;
  const clock = { now: Date.now() };
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
  });
  afterAll(async () => {
    await emulators?.stop();
  });

  /**
   * Root R (waiting for its children) and its children C0, C1…, submitted in that order under
   * bound 3: at least CHILDREN, and on until every shard of its ready set holds one.
   */
  async function tree(): Promise<{ t: PumpStack; children: string[] }> {
    const t = await pumpStack(emulators, clock, 3);
    const rootId = await t.submit('R', { type: 'PARENT' });
    const children: string[] = [];
    const shards = new Set<string>();
    while (children.length < CHILDREN || shards.size < rootShards.length) {
      const name = `C${children.length}`;
      shards.add(readyPartitionOf('normal', { id: await t.submit(name, { type: 'QUICK', parent: 'R' }), rootId }));
      children.push(name);
    }
    return { t, children };
  }
  const laneItems = (t: PumpStack) => Promise.all(rootShards.map((shard) => items(t).getItem(rootLaneKey(t.ids.get('R')!, 'normal', shard))));
  const items = (t: PumpStack) => engineInternals(t.stack.engine).deps.jobs;

  it('sends every child, from every shard, in the order they became ready, never more than the bound in flight', async () => {
    const { t, children } = await tree();
    // Bound 3: the root and two children in flight.
    expect(t.sends()).toEqual(['R', 'C0', 'C1']);
    const order = ['C0', 'C1'];
    for (let next = 0; next < children.length; next++) {
      await t.run(`C${next}`);
      // Each child that ends frees one slot, which goes to the next child to become ready.
      const sent = t.sends();
      expect(sent).toEqual(next + 2 < children.length ? [`C${next + 2}`] : []);
      order.push(...sent);
    }
    expect(order).toEqual(children);
  });

  it('sends the next children of every shard at once, in the order they became ready, when a bound is raised', async () => {
    const { t, children } = await tree();
    expect(t.sends()).toEqual(['R', 'C0', 'C1']);
    // Bound 3 → 8: five slots free, read from the merged heads of the ready partitions.
    expect((await t.raise(8).engine.sweep()).dispatched).toBe(5);
    expect(t.sends()).toEqual(children.slice(2, 7));
    expect((await laneItems(t))[0]).toMatchObject({ tree: true });
  });

  it('sorts the root in its lane by the charges of all its lane items, each child charging its own shard’s', async () => {
    const { t, children } = await tree();
    const rootId = t.ids.get('R')!;
    t.sends();
    // The root's own slice, on its first lane item.
    await engineInternals(t.stack.engine).dispatcher.charge({ id: rootId, rootId }, 'normal', 7);
    for (const name of children) {
      // Far enough apart that every charge re-sorts; each slice takes no time and charges 1 ms.
      clock.now += RESORT_EVERY_MS;
      await t.run(name);
    }
    const charged = await laneItems(t);
    const perShard = rootShards.map((shard) => children.filter((name) => chargeShardOf({ id: t.ids.get(name)!, rootId }) === shard).length);
    // The first lane item, which holds the lane entry, takes none of the children's charges.
    expect(perShard[0]).toBe(0);
    expect(charged.map((item) => item?.vtime ?? 0)).toEqual([7, ...perShard.slice(1)]);
    expect(charged[0]).toMatchObject({ gsi5sk: laneSortKey(7 + children.length, rootId) });
  });

  it('re-sorts a root at most once per 100 ms, the charges in between counted at the next', async () => {
    const { t } = await tree();
    const rootId = t.ids.get('R')!;
    t.sends();
    clock.now += RESORT_EVERY_MS;
    await t.run('C0');
    await t.run('C1');
    await t.run('C2');
    expect((await laneItems(t))[0]).toMatchObject({ gsi5sk: laneSortKey(1, rootId) });
    clock.now += RESORT_EVERY_MS - 1;
    await t.run('C3');
    expect((await laneItems(t))[0]).toMatchObject({ gsi5sk: laneSortKey(1, rootId) });
    clock.now += 1;
    await t.run('C4');
    expect((await laneItems(t))[0]).toMatchObject({ gsi5sk: laneSortKey(5, rootId) });
  });

  it('tries one re-sort for the slices of a tree that end together in one process', async () => {
    const { t, children } = await tree();
    const rootId = t.ids.get('R')!;
    t.sends();
    const jobs = items(t);
    const tries: unknown[] = [];
    const original = jobs.tryUpdateItem;
    jobs.tryUpdateItem = (key, spec) => {
      if (spec.set?.sortedAt !== undefined) tries.push(spec.set.sortedAt);
      return original.call(jobs, key, spec);
    };
    try {
      clock.now += RESORT_EVERY_MS;
      const dispatcher = engineInternals(t.stack.engine).dispatcher;
      await Promise.all(children.slice(0, 6).map((name) => dispatcher.charge({ id: t.ids.get(name)!, rootId }, 'normal', 1)));
      expect(tries).toEqual([clock.now]);
      // The next window, one more.
      clock.now += RESORT_EVERY_MS;
      await Promise.all(children.slice(6, 9).map((name) => dispatcher.charge({ id: t.ids.get(name)!, rootId }, 'normal', 1)));
      expect(tries).toEqual([clock.now - RESORT_EVERY_MS, clock.now]);
    } finally {
      jobs.tryUpdateItem = original;
    }
  });

  it('touches a tree’s lane item for its children’s ready work at most once a second, and sends the children it did not touch for', async () => {
    const { t, children } = await tree();
    const version = async () => (await laneItems(t))[0]?.readyVersion as number;
    const late = ['touched', 'late1', 'late2'];
    clock.now += TOUCH_EVERY_MS;
    await t.submit('touched', { type: 'QUICK', parent: 'R' });
    const touched = await version();
    // Within a second of that touch, more ready children write nothing to the lane item.
    await t.submit('late1', { type: 'QUICK', parent: 'R' });
    clock.now += TOUCH_EVERY_MS - 10;
    await t.submit('late2', { type: 'QUICK', parent: 'R' });
    expect(await version()).toBe(touched);
    // The children in flight end one by one, and each freed slot goes to the next ready one,
    // the late ones last: the root stayed in its lane with their work.
    const order = t.sends();
    for (let next = 0; next < order.length; next++) {
      if (order[next] !== 'R') await t.run(order[next]!);
      order.push(...t.sends());
    }
    expect(order.filter((name) => name !== 'R')).toEqual([...children, ...late]);
    // A second after the last touch, the next child touches it again.
    clock.now += 10;
    await t.submit('later', { type: 'QUICK', parent: 'R' });
    expect(await version()).toBe(touched + 1);
  });

  it('enters a tree back into its lane at its virtual time over all its lane items', async () => {
    const { t, children } = await tree();
    const rootId = t.ids.get('R')!;
    t.sends();
    for (const name of children) await t.run(name);
    // Its ready set empty and the grace over, the sweeper's pump takes the root out of its lane.
    clock.now += LANE_GRACE_MS + 1;
    await t.stack.engine.sweep();
    expect((await laneItems(t))[0]?.gsi5pk).toBeUndefined();
    // A slice of 1 ms a child; a new child puts the root back at their sum, whatever its first item holds.
    await t.submit('late', { type: 'QUICK', parent: 'R' });
    const back = await laneItems(t);
    expect(back[0]).toMatchObject({ gsi5sk: laneSortKey(children.length, rootId) });
    expect(back.reduce((sum, item) => sum + ((item?.vtime as number | undefined) ?? 0), 0)).toBe(children.length);
  });
});
