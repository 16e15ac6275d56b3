import { describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import type { JobRecord } from '@stint/core/job-record';
import { newJobId } from '@stint/core/new-job';
import { cascadeToChildren, finishCascades } from '@stint/core/engine/cascade';
import type { CascadeOperation, MarkedOperation } from '@stint/core/engine/cascade-marker';
import { cascadeKey, idempotencyKey, rootLaneKey, statusIndexKeys } from '@stint/core/store/table-keys';
import { engineInternals } from '@stint/core/testing';
import { engineStack } from '../support/engine-stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { jobItem } from '../support/job-items.ts';

/**
 * What finishes an operation over a tree that a crash cut short
 * (packages/core/src/engine/cascade.ts `finishCascades`): the sweeper redoes a marker's walk
 * once the marker is past the settle grace, only if its job still stands where the operation
 * left it, and clears it either way. And the hand-off of a wide tree's walk to a CASCADE job.
 * Jobs and markers are written directly, the engine's clock is the test's and no poller runs.
 */
const NODE = defineJob({ type: 'NODE', run: async () => ({}) });
const SETTLE_GRACE_MS = 60_000;

interface RootState {
  status: JobStatus;
  lowPriority?: boolean;
  deleting?: boolean;
  /** Ended with errors. */
  failed?: boolean;
}

interface RedoCase {
  title: string;
  operation: MarkedOperation;
  root: RootState | 'gone';
  child: RootState;
  after: { root: JobStatus | 'gone'; child: JobStatus | 'gone'; childLow?: boolean };
}

const REDOS: RedoCase[] = [
  {
    title: 'a stop walks on below a stopped root',
    operation: 'stop',
    root: { status: 'STOPPED' },
    child: { status: 'PENDING' },
    after: { root: 'STOPPED', child: 'STOPPED' },
  },
  {
    title: 'a stop walks on below a stopping root',
    operation: 'stop',
    root: { status: 'STOPPING' },
    child: { status: 'PENDING' },
    after: { root: 'STOPPING', child: 'STOPPED' },
  },
  {
    title: 'a stop whose root was resumed since is dropped',
    operation: 'stop',
    root: { status: 'PENDING' },
    child: { status: 'PENDING' },
    after: { root: 'PENDING', child: 'PENDING' },
  },
  {
    title: 'a resume walks on below a pending root',
    operation: 'resume',
    root: { status: 'PENDING' },
    child: { status: 'STOPPED' },
    after: { root: 'PENDING', child: 'PENDING' },
  },
  {
    title: 'a resume walks on below a running root',
    operation: 'resume',
    root: { status: 'RUNNING' },
    child: { status: 'STOPPED' },
    after: { root: 'RUNNING', child: 'PENDING' },
  },
  {
    title: 'a resume whose root was stopped since is dropped',
    operation: 'resume',
    root: { status: 'STOPPED' },
    child: { status: 'STOPPED' },
    after: { root: 'STOPPED', child: 'STOPPED' },
  },
  {
    title: 'a cancel ends a canceling root and its children',
    operation: 'cancel',
    root: { status: 'CANCELING' },
    child: { status: 'PENDING' },
    after: { root: 'CANCELED', child: 'CANCELED' },
  },
  {
    title: 'a cancel whose root is not canceling is dropped',
    operation: 'cancel',
    root: { status: 'STOPPED' },
    child: { status: 'PENDING' },
    after: { root: 'STOPPED', child: 'PENDING' },
  },
  {
    title: 'a low-priority flag walks on below a flagged root',
    operation: 'set-low-priority',
    root: { status: 'RUNNING', lowPriority: true },
    child: { status: 'RUNNING' },
    after: { root: 'RUNNING', child: 'RUNNING', childLow: true },
  },
  {
    title: 'a low-priority flag taken off the root since is dropped',
    operation: 'set-low-priority',
    root: { status: 'RUNNING' },
    child: { status: 'RUNNING' },
    after: { root: 'RUNNING', child: 'RUNNING', childLow: false },
  },
  {
    title: 'a low-priority flag on a root that has ended is dropped',
    operation: 'set-low-priority',
    root: { status: 'FINISHED', lowPriority: true },
    child: { status: 'RUNNING' },
    after: { root: 'FINISHED', child: 'RUNNING', childLow: false },
  },
  {
    title: 'a flag’s removal walks on below a root without it',
    operation: 'remove-low-priority',
    root: { status: 'RUNNING' },
    child: { status: 'RUNNING', lowPriority: true },
    after: { root: 'RUNNING', child: 'RUNNING', childLow: false },
  },
  {
    title: 'a flag’s removal whose root was flagged again since is dropped',
    operation: 'remove-low-priority',
    root: { status: 'RUNNING', lowPriority: true },
    child: { status: 'RUNNING', lowPriority: true },
    after: { root: 'RUNNING', child: 'RUNNING', childLow: true },
  },
  {
    title: 'a delete removes a tree being deleted',
    operation: 'delete',
    root: { status: 'FINISHED', deleting: true },
    child: { status: 'FINISHED' },
    after: { root: 'gone', child: 'gone' },
  },
  {
    title: 'a delete of a tree no longer being deleted is dropped',
    operation: 'delete',
    root: { status: 'FINISHED' },
    child: { status: 'FINISHED' },
    after: { root: 'FINISHED', child: 'FINISHED' },
  },
  {
    title: 'a retry retries the failed tree',
    operation: 'retry',
    root: { status: 'FINISHED', failed: true },
    child: { status: 'FINISHED', failed: true },
    after: { root: 'PENDING', child: 'PENDING' },
  },
  {
    title: 'a stop of a job that is gone is only cleared',
    operation: 'stop',
    root: 'gone',
    child: { status: 'PENDING' },
    after: { root: 'gone', child: 'PENDING' },
  },
];

const LABELS: Array<[CascadeOperation, string]> = [
  ['stop', 'Stop the descendants of wide'],
  ['resume', 'Resume the descendants of wide'],
  ['cancel', 'Cancel the descendants of wide'],
  ['set-low-priority', 'Set low priority on the descendants of wide'],
  ['remove-low-priority', 'Remove low priority from the descendants of wide'],
];

describe.each(DYNAMO_BACKENDS)('the redo of an interrupted operation over a tree on %s', (backend) => {
  let now = Date.now();
  const { stack, deps, ctx } = engineStack(backend, { definitions: [NODE], clock: () => now, settleGraceMs: SETTLE_GRACE_MS });
  const read = (id: string) => deps().jobs.get(id);

  async function place(tenant: string, state: RootState, parent?: JobRecord, extra: Partial<JobRecord> = {}): Promise<JobRecord> {
    const id = newJobId(now);
    const base = jobItem({
      id,
      label: 'wide',
      tenant,
      lowPriority: state.lowPriority ?? false,
      parentId: parent?.id ?? null,
      rootId: parent?.rootId ?? id,
      createDate: now - 10_000,
      ...(parent ? { spawn: { parentRun: 0 } } : {}),
    });
    const ended = state.status === 'FINISHED' || state.status === 'CANCELED' || state.status === 'STOPPED';
    const record: JobRecord = {
      ...base,
      status: state.status,
      ...statusIndexKeys(base, state.status),
      ...(state.status !== 'PENDING' ? { startDate: now - 9_000 } : {}),
      ...(ended ? { endDate: now - 1_000 } : {}),
      ...(state.deleting ? { deleting: true } : {}),
      ...(state.failed ? { hasErrors: true, error: 'boom' } : {}),
      ...extra,
    };
    await deps().jobs.create(record);
    return record;
  }

  const mark = (jobId: string, operation: MarkedOperation, markedAt: number) => deps().jobs.put({ ...cascadeKey(jobId), jobId, operation, markedAt });

  it.each(REDOS)('$title', async ({ operation, root: rootState, child: childState, after }) => {
    now = Date.now();
    const root = await place('redo', rootState === 'gone' ? { status: 'PENDING' } : rootState, undefined, { childrenTotal: 1 });
    const child = await place('redo', childState, root);
    if (rootState === 'gone') await deps().jobs.deleteJobIf(root.id, 'attribute_exists(pk)', {});
    // A root's lane item is one of the leftovers a delete removes, and only a delete.
    if (operation === 'delete') await engineInternals(stack().engine).dispatcher.touchLane(root, 'normal');
    await mark(root.id, operation, now);

    now += SETTLE_GRACE_MS;
    expect(await finishCascades(ctx())).toBe(1);

    expect((await read(root.id))?.status ?? 'gone').toBe(after.root);
    const changed = await read(child.id);
    expect(changed?.status ?? 'gone').toBe(after.child);
    if (after.childLow !== undefined) expect(changed?.lowPriority).toBe(after.childLow);
    expect(await deps().jobs.getItem(cascadeKey(root.id))).toBeUndefined();
    if (operation === 'delete')
      expect(await deps().jobs.getItem(rootLaneKey(root.id, 'normal'))).toEqual(after.root === 'gone' ? undefined : expect.anything());
  });

  it('waits for a marker younger than the settle grace: its operation may still be walking', async () => {
    now = Date.now();
    const root = await place('young', { status: 'STOPPED' }, undefined, { childrenTotal: 1 });
    const child = await place('young', { status: 'PENDING' }, root);
    await mark(root.id, 'stop', now);

    now += SETTLE_GRACE_MS - 1;
    expect(await finishCascades(ctx())).toBe(0);
    expect((await read(child.id))?.status).toBe('PENDING');
    expect(await deps().jobs.getItem(cascadeKey(root.id))).toMatchObject({ operation: 'stop' });

    now += 1;
    expect(await finishCascades(ctx())).toBe(1);
    expect((await read(child.id))?.status).toBe('STOPPED');
  });

  it('removes the lane items a deleted root left when its job is gone', async () => {
    now = Date.now();
    const root = await place('leftovers', { status: 'FINISHED' });
    const { dispatcher } = engineInternals(stack().engine);
    await dispatcher.touchLane(root, 'normal');
    // A child's charge, on the lane item of its shard of the tree (x2: shard 5).
    await dispatcher.charge({ id: 'x2', rootId: root.id }, 'normal', 5);
    expect(await deps().jobs.getItem(rootLaneKey(root.id, 'normal', 5))).toMatchObject({ vtime: 5 });
    await deps().jobs.deleteJobIf(root.id, 'attribute_exists(pk)', {});
    await mark(root.id, 'delete', now);

    now += SETTLE_GRACE_MS;
    expect(await finishCascades(ctx())).toBe(1);
    expect(await deps().jobs.getItem(rootLaneKey(root.id, 'normal'))).toBeUndefined();
    expect(await deps().jobs.getItem(rootLaneKey(root.id, 'normal', 5))).toBeUndefined();
  });

  describe('a tree wider than a request walks', () => {
    const cascadeJobOf = async (tenant: string, key: string) => (await deps().jobs.getItem(idempotencyKey(tenant, key)))?.jobId as string | undefined;

    it.each(LABELS)('hands %s to one CASCADE job per walk and leaves the children to it', async (operation, label) => {
      now = Date.now();
      const tenant = `wide-${operation}`;
      const parent = await place(tenant, { status: 'RUNNING' }, undefined, { childrenTotal: 501 });
      const child = await place(tenant, { status: 'STOPPED' }, parent);

      await cascadeToChildren(ctx(), parent, operation, 1_234);
      await cascadeToChildren(ctx(), parent, operation, 1_234);

      const jobId = await cascadeJobOf(tenant, `cascade:${parent.id}:${operation}:1234`);
      expect(await read(jobId!)).toMatchObject({ type: 'CASCADE', tenant, label, data: { jobId: parent.id, operation } });
      expect((await read(child.id))?.status).toBe('STOPPED');
      expect((await read(child.id))?.version).toBe(child.version);

      await cascadeToChildren(ctx(), parent, operation, 1_235);
      const next = await cascadeJobOf(tenant, `cascade:${parent.id}:${operation}:1235`);
      expect(next).toBeDefined();
      expect(next).not.toBe(jobId);
    });

    it('walks a tree of exactly the inline limit itself', async () => {
      now = Date.now();
      const tenant = 'at-limit';
      const parent = await place(tenant, { status: 'RUNNING' }, undefined, { childrenTotal: 500 });
      const child = await place(tenant, { status: 'PENDING' }, parent);

      await cascadeToChildren(ctx(), parent, 'stop', 1_234);

      expect((await read(child.id))?.status).toBe('STOPPED');
      expect(await cascadeJobOf(tenant, `cascade:${parent.id}:stop:1234`)).toBeUndefined();
    });
  });
});
