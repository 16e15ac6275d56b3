import { describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobRecord } from '@stint/core/job-record';
import type { Lane } from '@stint/core/job';
import { setCrashPointHook } from '@stint/core/crash-points';
import { ChildSpawns } from '@stint/core/engine/child-spawns';
import type { EngineDeps } from '@stint/core/engine/deps';
import { childIds } from '@stint/core/engine/job-tree';
import { childJobId, newJobId } from '@stint/core/new-job';
import { readSummary, summaryListings } from '@stint/core/query/stats-reader';
import { statusIndexKeys } from '@stint/core/store/table-keys';
import { engineInternals } from '@stint/core/testing';
import { uniqueName } from '../support/stack.ts';
import { engineStack } from '../support/engine-stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { jobItem } from '../support/job-items.ts';

/**
 * When a slice's spawns are written and counted (packages/core/src/engine/child-spawns.ts):
 * children wait in memory until a boundary or a full batch, are written once (a replayed spawn
 * finds its child and does not count it again), a failed write keeps them for the next flush,
 * and the flush counts them on the parent under its lease and dispatches them. The spawns run
 * against a parent placed RUNNING under a lease, with the engine's clock the test's; the
 * dispatcher is watched to see which lanes are entered and pumped.
 */
const PLAIN = defineJob({ type: 'PLAIN', run: async () => ({}) });
const LEASE = { epoch: 3, owner: 'w1' };

describe.each(DYNAMO_BACKENDS)('writing spawned children on %s', (backend) => {
  let now = Date.now();
  const { stack, deps } = engineStack(backend, { definitions: [PLAIN], clock: () => now });
  const read = async (id: string) => (await deps().jobs.get(id))!;
  const written = async (id: string) => (await childIds(deps(), id)).length;
  const created = (rootId: string) => stack().events.filter((event) => event.type === 'jobCreated' && event.rootId === rootId && event.jobId !== rootId).length;

  async function placeParent(extra: Partial<JobRecord> = {}): Promise<JobRecord> {
    const id = newJobId(now);
    const base = jobItem({ id, type: 'PLAIN', label: 'parent', tenant: uniqueName('t'), createDate: now - 10_000 });
    const record: JobRecord = {
      ...base,
      status: 'RUNNING',
      ...statusIndexKeys(base, 'RUNNING'),
      startDate: now - 9_000,
      leaseOwner: LEASE.owner,
      leaseEpoch: LEASE.epoch,
      leaseExpiresAt: now + 60_000,
      ...extra,
    };
    await deps().jobs.create(record);
    return record;
  }

  interface Watched {
    spawns: ChildSpawns;
    run: { record: JobRecord };
    touched: Lane[];
    pumped: Lane[];
    proofs: boolean[];
    flushCounters(): Promise<void>;
  }

  /** A slice's spawns over the parent, its dispatcher calls and lease proofs recorded. */
  function slice(parent: JobRecord, own: EngineDeps = deps()): Watched {
    const real = engineInternals(stack().engine).dispatcher;
    const touched: Lane[] = [];
    const pumped: Lane[] = [];
    const proofs: boolean[] = [];
    const dispatcher = {
      touchLane: async (job: { id: string; rootId: string }, lane: Lane) => {
        touched.push(lane);
        await real.touchLane(job, lane);
      },
      pumpRoot: async (rootId: string, lane: Lane) => {
        pumped.push(lane);
        return real.pumpRoot(rootId, lane);
      },
    } as unknown as typeof real;
    const counters = deps().counters.batch();
    const run = {
      record: parent,
      ctx: { deps: own, dispatcher, counters },
      deps: own,
      lease: LEASE,
      prove: async (force?: boolean) => {
        proofs.push(force ?? false);
      },
    };
    return { spawns: new ChildSpawns(run), run, touched, pumped, proofs, flushCounters: () => counters.flush() };
  }

  it('holds children until the flush, then writes, counts and dispatches every one', async () => {
    now = Date.now();
    const parent = await placeParent();
    const s = slice(parent);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await s.spawns.spawn('PLAIN', { i }));
    expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => childJobId(parent.id, 0, i + 1)));
    expect(await written(parent.id)).toBe(0);

    await s.spawns.flush();
    await s.flushCounters();
    expect(await written(parent.id)).toBe(20);
    expect(created(parent.id)).toBe(20);
    expect(await read(parent.id)).toMatchObject({ spawned: 20, childrenTotal: 20, version: parent.version });
    expect(s.run.record.spawned).toBe(20);
    expect([s.touched, s.pumped, s.proofs]).toEqual([['normal'], ['normal'], []]);
    expect(await readSummary(deps().jobs, parent.tenant, summaryListings({ children: true }))).toMatchObject({ total: 20, active: 20 });
    // The root's lane has room for four at once: those are dispatched, the rest wait ready.
    const children = [...(await deps().jobs.getMany(ids)).values()];
    expect(children.filter((child) => child.dispatchedAt === now)).toHaveLength(4);
    expect(children.every((child) => child.status === 'PENDING' && child.createDate === now)).toBe(true);
  });

  it('writes a full batch of 500 at the spawn that fills it, before any flush', async () => {
    now = Date.now();
    const parent = await placeParent();
    const s = slice(parent);
    for (let i = 0; i < 499; i++) await s.spawns.spawn('PLAIN', {});
    expect(await written(parent.id)).toBe(0);
    await s.spawns.spawn('PLAIN', {});
    expect(await written(parent.id)).toBe(500);
    expect((await read(parent.id)).spawned).toBeUndefined();
  });

  it('skips the spawns the parent counted already, writing and counting only the new ones', async () => {
    now = Date.now();
    const parent = await placeParent({ spawned: 2, childrenTotal: 3, adopted: 1 });
    const s = slice(parent);
    for (let i = 0; i < 3; i++) await s.spawns.spawn('PLAIN', {});
    await s.spawns.flush();
    expect(await childIds(deps(), parent.id)).toEqual([childJobId(parent.id, 0, 3)]);
    // Adopted children count with the spawns.
    expect(await read(parent.id)).toMatchObject({ spawned: 3, childrenTotal: 4 });
  });

  it('does nothing at a flush with no new spawns', async () => {
    now = Date.now();
    const parent = await placeParent({ spawned: 1, childrenTotal: 1 });
    const s = slice(parent);
    await s.spawns.spawn('PLAIN', {});
    await s.spawns.flush();
    expect(await read(parent.id)).toEqual(parent);
    expect([s.touched, s.pumped, s.proofs]).toEqual([[], [], []]);
  });

  it('counts a child a replay finds written once, and never lowers the parent’s count', async () => {
    now = Date.now();
    const parent = await placeParent();
    const first = slice(parent);
    for (let i = 0; i < 2; i++) await first.spawns.spawn('PLAIN', {});
    await first.spawns.write();
    // A crash before the count: the replay spawns both again and finds them.
    const replay = slice(await read(parent.id));
    for (let i = 0; i < 2; i++) await replay.spawns.spawn('PLAIN', {});
    await replay.spawns.flush();
    await Promise.all([first.flushCounters(), replay.flushCounters()]);
    expect(created(parent.id)).toBe(2);
    expect(await readSummary(deps().jobs, parent.tenant, summaryListings({ children: true }))).toMatchObject({ total: 2 });
    expect(await read(parent.id)).toMatchObject({ spawned: 2, childrenTotal: 2 });
    expect(replay.proofs).toEqual([]);
  });

  it('proves its lease when the count is refused', async () => {
    now = Date.now();
    const parent = await placeParent({ leaseOwner: 'w2' });
    const s = slice(parent);
    await s.spawns.spawn('PLAIN', {});
    await s.spawns.flush();
    expect(s.proofs).toEqual([true]);
    expect((await read(parent.id)).spawned).toBeUndefined();
    expect(s.run.record).toBe(parent);
  });

  it('keeps children whose write failed for the next flush, which writes and counts them', async () => {
    now = Date.now();
    const parent = await placeParent();
    let failures = 1;
    const jobs = deps().jobs;
    // The spawns write with create and count with tryUpdate; the second child's first write fails.
    const flaky = {
      create: async (record: JobRecord) => {
        if (record.id === childJobId(parent.id, 0, 2) && failures-- > 0) throw new Error('throttled');
        return jobs.create(record);
      },
      tryUpdate: jobs.tryUpdate.bind(jobs),
    } as unknown as typeof jobs;
    const s = slice(parent, { ...deps(), jobs: flaky });
    for (let i = 0; i < 3; i++) await s.spawns.spawn('PLAIN', {});
    await expect(s.spawns.write()).rejects.toThrow('throttled');
    await s.spawns.spawn('PLAIN', {});
    await s.spawns.flush();
    expect(await written(parent.id)).toBe(4);
    expect(created(parent.id)).toBe(4);
    expect(await read(parent.id)).toMatchObject({ spawned: 4, childrenTotal: 4 });
  });

  it('enters each lane once before its first ready child, and pumps each at the flush', async () => {
    now = Date.now();
    const parent = await placeParent();
    const s = slice(parent);
    const order: string[] = [];
    setCrashPointHook(async (point, detail) => {
      if (point === 'slice.spawned' && detail.jobId === parent.id) order.push(`spawned ${s.touched.join(',')}`);
    });
    await s.spawns.spawn('PLAIN', {}, { lowPriority: true });
    await s.spawns.spawn('PLAIN', {});
    await s.spawns.write();
    await s.spawns.spawn('PLAIN', {}, { lowPriority: true });
    await s.spawns.flush();
    expect(order).toEqual(['spawned low,normal', 'spawned low,normal']);
    expect([s.touched, s.pumped]).toEqual([
      ['low', 'normal'],
      ['low', 'normal'],
    ]);
    // The next slice's lanes are its own.
    await s.spawns.spawn('PLAIN', {});
    await s.spawns.flush();
    expect([s.touched, s.pumped]).toEqual([
      ['low', 'normal', 'normal'],
      ['low', 'normal', 'normal'],
    ]);
  });
});
