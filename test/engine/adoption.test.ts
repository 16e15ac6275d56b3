import { describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import type { JobRecord } from '@stint/core/job-record';
import { newJobId } from '@stint/core/new-job';
import { finishAdoption } from '@stint/core/engine/adoption';
import { recountChildren } from '@stint/core/engine/job-tree';
import { inFlightSpec } from '@stint/core/engine/dispatch-specs';
import { adoptingPartition, rootLaneKey } from '@stint/core/store/table-keys';
import { engineStack } from '../support/engine-stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { jobItem, treeJobItem } from '../support/job-items.ts';

/**
 * What a child's adoption (packages/core/src/engine/adoption.ts) leaves, from the state its
 * parent is in when it runs: an open parent counts the child once and the child becomes
 * ready, dispatched or delayed; a parent that ended, was restarted or is gone refuses it, and
 * the child, never accepted, is removed. Parents and adopting children are written directly
 * in the state each case needs (as submit leaves a child before adopting it), the engine's
 * clock is the test's, no poller runs, and each case calls `finishAdoption` once.
 */
const NODE = defineJob({ type: 'NODE', run: async () => ({}) });

interface Refusal {
  title: string;
  status: JobStatus;
  run: number;
  /** The parent's run the child was submitted to. */
  childRun: number;
}

const REFUSALS: Refusal[] = [
  { title: 'a FINISHED parent', status: 'FINISHED', run: 0, childRun: 0 },
  { title: 'a parent CANCELING its tree', status: 'CANCELING', run: 0, childRun: 0 },
  { title: 'a CANCELED parent', status: 'CANCELED', run: 0, childRun: 0 },
  { title: 'a parent restarted since the child was submitted', status: 'RUNNING', run: 2, childRun: 1 },
];

describe.each(DYNAMO_BACKENDS)('a child’s adoption on %s', (backend) => {
  let now = Date.now();
  // One slot per root, so a parent in flight leaves its adopted child waiting in the ready set.
  const { stack, deps, ctx } = engineStack(backend, { definitions: [NODE], clock: () => now, tuning: { maxInFlightPerRoot: 1 } });
  const read = (id: string) => deps().jobs.get(id);

  async function placeParent(status: JobStatus, run: number, extra: Partial<JobRecord> = {}): Promise<JobRecord> {
    const record = treeJobItem(now, status, null, { fields: { run, childrenChangedAt: now - 5_000, ...extra } });
    await deps().jobs.create(record);
    return record;
  }

  /** A child as submit writes it before adopting it: PENDING, in the adopting set. */
  async function placeChild(parent: Pick<JobRecord, 'id' | 'rootId'>, parentRun: number, runAt?: number): Promise<JobRecord> {
    const id = newJobId(now);
    const record: JobRecord = {
      ...jobItem({ id, parentId: parent.id, rootId: parent.rootId, createDate: now - 2_000, spawn: { parentRun } }),
      ...(runAt !== undefined ? { runAt } : {}),
      adopting: true,
      gsi5pk: adoptingPartition(id),
      gsi5sk: id,
    };
    await deps().jobs.create(record);
    return record;
  }

  it.each([0, 3])('counts the child once on a parent in its run %i and dispatches it', async (run) => {
    now = Date.now();
    const parent = await placeParent('RUNNING', run);
    const child = await placeChild(parent, run);

    const adopted = await finishAdoption(ctx(), child);
    expect(adopted.id).toBe(child.id);
    const stored = (await read(child.id))!;
    expect(stored.adopting).toBeUndefined();
    expect([stored.status, stored.gsi5pk?.[0], stored.dispatchedAt]).toEqual(['PENDING', 'I', now]);
    const counted = (await read(parent.id))!;
    expect([counted.childrenTotal, counted.adopted, counted.childrenChangedAt]).toEqual([1, 1, now]);
    expect(counted.pendingAdoptions?.size ?? 0).toBe(0);
  });

  // A repeat that read the child while it was still adopting (a sweep, or a second
  // re-submission past the settle grace) and reaches step 2 after another caller's step 4
  // counts it again: without transactions nothing on the parent remembers it. The recount of
  // the waiting parent (job-tree.ts) takes the extra count back, so it waits for no one.
  it('counts a child twice when a repeat that read it adopting comes after the adoption finished, and the recount takes one back', async () => {
    now = Date.now();
    const parent = await placeParent('RUNNING', 0, { parked: 'waiting', parkedAt: now - 5_000 });
    const child = await placeChild(parent, 0);

    await finishAdoption(ctx(), child);
    await finishAdoption(ctx(), child);
    const doubled = (await read(parent.id))!;
    expect([doubled.childrenTotal, doubled.adopted]).toEqual([2, 2]);

    expect(await recountChildren(ctx(), doubled)).toBe('settled');
    const recounted = (await read(parent.id))!;
    expect([recounted.childrenTotal, recounted.adopted, recounted.childrenDone, recounted.parked]).toEqual([1, 1, 0, 'waiting']);
  });

  it.each(REFUSALS)('refuses the child of $title and removes it', async ({ status, run, childRun }) => {
    now = Date.now();
    const parent = await placeParent(status, run);
    const child = await placeChild(parent, childRun);

    await expect(finishAdoption(ctx(), child)).rejects.toMatchObject({
      code: 'conflict',
      message: `parent job ${parent.id} is ${status}`,
      details: { jobId: parent.id },
    });
    expect(await read(child.id)).toBeUndefined();
    const after = (await read(parent.id))!;
    expect([after.status, after.childrenTotal, after.childrenChangedAt]).toEqual([status, 0, now - 5_000]);
    expect(after.pendingAdoptions?.size ?? 0).toBe(0);
  });

  it('refuses the child of a parent that is gone and removes it', async () => {
    now = Date.now();
    const missing = newJobId(now);
    const child = await placeChild({ id: missing, rootId: missing }, 0);

    await expect(finishAdoption(ctx(), child)).rejects.toMatchObject({
      code: 'conflict',
      message: `parent job ${missing} is gone`,
      details: { jobId: missing },
    });
    expect(await read(child.id)).toBeUndefined();
    expect(await read(missing)).toBeUndefined();
  });

  it('leaves a child whose root has no free slot ready in a lane the sweeper pumps', async () => {
    now = Date.now();
    const parent = await placeParent('RUNNING', 0);
    await deps().jobs.tryUpdate(parent.id, inFlightSpec(parent, now));
    const child = await placeChild(parent, 0);

    await finishAdoption(ctx(), child);
    const waiting = (await read(child.id))!;
    expect([waiting.adopting, waiting.gsi5pk?.[0], waiting.dispatchedAt]).toEqual([undefined, 'R', undefined]);
    expect((await read(parent.id))?.childrenTotal).toBe(1);

    // The parent gives its slot back without pumping its root (it parks): only the lane
    // entry the adoption made leads a later pump to the child.
    await deps().jobs.tryUpdate(parent.id, { remove: ['gsi5pk', 'gsi5sk', 'dispatchedAt'] });
    now += 1_000;
    const report = await stack().engine.sweep();
    expect(report.dispatched).toBe(1);
    expect((await read(child.id))?.gsi5pk?.[0]).toBe('I');
  });

  it('puts a child asked to start later in the delayed set, touching no lane', async () => {
    now = Date.now();
    const parent = await placeParent('RUNNING', 0);
    const runAt = now + 600_000;
    const child = await placeChild(parent, 0, runAt);

    const adopted = await finishAdoption(ctx(), child);
    expect(adopted.adopting).toBeUndefined();
    const stored = (await read(child.id))!;
    expect([stored.status, stored.gsi5pk?.[0], stored.dispatchedAt, stored.runAt]).toEqual(['PENDING', 'N', undefined, runAt]);
    expect((await read(parent.id))?.childrenTotal).toBe(1);
    expect((await deps().jobs.getItem(rootLaneKey(parent.rootId, 'normal')))?.gsi5pk).toBeUndefined();
  });
});
