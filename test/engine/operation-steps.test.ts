import { describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import { setCrashPointHook } from '@stint/core/crash-points';
import type { JobRecord } from '@stint/core/job-record';
import { cascadeKey } from '@stint/core/store/table-keys';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { engineStack } from '../support/engine-stack.ts';
import { treeJobItem } from '../support/job-items.ts';

const NODE = defineJob({ type: 'NODE', restartable: true, run: async () => ({}) });

/**
 * The steps of an operation (packages/core/src/engine/operations.ts) its table-driven suites do
 * not look at, on jobs placed in the state each case needs: what a refusal names, which crash
 * points a walk over a tree passes and what it has written by then, a write that loses its
 * race read again, when a stop waits for the worker, what a force stop revokes, and when a
 * child may be restarted. The engine's clock is the test's; no poller runs.
 */
describe.each(DYNAMO_BACKENDS)('the steps of an operation on %s', (backend) => {
  let now = Date.now();
  const { stack, deps } = engineStack(backend, { definitions: [NODE], clock: () => now });
  const apply = (operation: Parameters<ReturnType<typeof stack>['engine']['apply']>[0], id: string, tenant = 'acme') =>
    stack().engine.apply(operation, id, { tenant });
  const read = async (id: string) => (await deps().jobs.get(id))!;

  async function place(status: JobStatus, parent: JobRecord | null = null, fields: Partial<JobRecord> = {}, seq = 1): Promise<JobRecord> {
    const record = treeJobItem(now, status, parent, { seq, fields: { type: 'NODE', ...fields } });
    await deps().jobs.create(record);
    return record;
  }
  /** The crash points `jobId` passes, with what each names and, at each, the job's status and its marker's operation. */
  function pointsOf(jobId: string) {
    const points: Array<{ point: string; jobType: string | undefined; status: string | undefined; marker: unknown }> = [];
    setCrashPointHook(async (point, detail) => {
      if (detail.jobId !== jobId || !point.startsWith('cascade.')) return;
      points.push({
        point,
        jobType: detail.jobType,
        status: (await deps().jobs.get(jobId))?.status,
        marker: (await deps().jobs.getItem(cascadeKey(jobId)))?.operation,
      });
    });
    return points;
  }
  /** Another writer commits to `jobId` once, when the operation has marked it. */
  function raceOnceAtMark(jobId: string) {
    let raced = false;
    setCrashPointHook(async (point, detail) => {
      if (point !== 'cascade.marked' || detail.jobId !== jobId || raced) return;
      raced = true;
      await deps().jobs.tryUpdate(jobId, { set: { label: 'renamed' }, setRaw: { version: '#version + :one' }, values: { ':one': 1 } });
    });
    return () => raced;
  }

  describe('what a refusal names', () => {
    it('answers a missing job and another tenant’s alike', async () => {
      now = Date.now();
      const job = await place('PENDING');
      for (const [id, tenant] of [
        ['missing', 'acme'],
        [job.id, 'other'],
      ] as const) {
        await expect(apply('stop', id, tenant)).rejects.toMatchObject({ code: 'notFound', message: `job ${id} not found` });
      }
    });

    it.each([
      ['still joining its parent', { adopting: true }, 'is still joining its parent; try again in a moment'],
      ['being deleted', { deleting: true }, 'is being deleted'],
    ])('names the job and the operation for a job %s', async (_name, fields, words) => {
      now = Date.now();
      const job = await place('PENDING', null, fields);
      await expect(apply('stop', job.id)).rejects.toMatchObject({
        code: 'conflict',
        message: `job ${job.id} ${words}`,
        details: { jobId: job.id, operation: 'stop' },
      });
    });
  });

  describe('a walk over a tree', () => {
    it('stops a leaf in one write, past no walk’s crash point', async () => {
      now = Date.now();
      const job = await place('PENDING');
      const points = pointsOf(job.id);
      expect((await apply('stop', job.id))?.status).toBe('STOPPED');
      expect(points).toEqual([]);
    });

    it('marks a tree, changes the job, walks the children and clears the marker, naming the job at each point', async () => {
      now = Date.now();
      const root = await place('PENDING', null, { childrenTotal: 1 });
      const child = await place('PENDING', root);
      const points = pointsOf(root.id);
      expect((await apply('stop', root.id))?.status).toBe('STOPPED');
      expect(points).toEqual([
        { point: 'cascade.marked', jobType: 'NODE', status: 'PENDING', marker: 'stop' },
        { point: 'cascade.applied', jobType: 'NODE', status: 'STOPPED', marker: 'stop' },
        { point: 'cascade.childrenDone', jobType: 'NODE', status: 'STOPPED', marker: 'stop' },
      ]);
      expect([(await read(child.id)).status, await deps().jobs.getItem(cascadeKey(root.id))]).toEqual(['STOPPED', undefined]);
    });

    it('cancels a leaf in one write, and a tree through CANCELING under a cancel marker', async () => {
      now = Date.now();
      const leaf = await place('STOPPED');
      const leafPoints = pointsOf(leaf.id);
      expect((await apply('cancel', leaf.id))?.status).toBe('CANCELED');
      expect(leafPoints).toEqual([]);

      const root = await place('STOPPED', null, { childrenTotal: 1 });
      await place('STOPPED', root);
      const points = pointsOf(root.id);
      expect((await apply('cancel', root.id))?.status).toBe('CANCELED');
      expect(points.slice(0, 2)).toEqual([
        { point: 'cascade.marked', jobType: 'NODE', status: 'STOPPED', marker: 'cancel' },
        { point: 'cascade.applied', jobType: 'NODE', status: 'CANCELING', marker: 'cancel' },
      ]);
    });

    it.each([
      ['stop', 'PENDING', 'STOPPED'],
      ['cancel', 'STOPPED', 'CANCELED'],
    ] as const)('reads the root again when its %s write loses a race, and walks the tree then', async (operation, status, ended) => {
      now = Date.now();
      const root = await place(status, null, { childrenTotal: 1 });
      const child = await place(status, root);
      const raced = raceOnceAtMark(root.id);
      expect((await apply(operation, root.id))?.status).toBe(ended);
      expect([raced(), (await read(child.id)).status]).toEqual([true, ended]);
    });
  });

  describe('a stop', () => {
    it.each([
      ['a worker holds for 1 ms more', { leaseOwner: 'w', leaseEpoch: 1, leaseExpiresAt: 1 }, 'STOPPING'],
      ['whose lease runs out this very millisecond', { leaseOwner: 'w', leaseEpoch: 1, leaseExpiresAt: 0 }, 'STOPPED'],
      ['no worker holds (back in its ready set)', {}, 'STOPPED'],
    ])('of a RUNNING job %s leaves it %s', async (_name, lease, status) => {
      now = Date.now();
      const fields = 'leaseExpiresAt' in lease ? { ...lease, leaseExpiresAt: now + lease.leaseExpiresAt } : lease;
      const job = await place('RUNNING', null, fields);
      expect((await apply('stop', job.id))?.status).toBe(status);
    });
  });

  it('stops at once a job whose worker parked it between the stop’s read and its write, rather than leave it STOPPING with no worker', async () => {
    now = Date.now();
    const job = await place('RUNNING', null, { leaseOwner: 'w', leaseEpoch: 1, leaseExpiresAt: now + 30_000 });
    const jobs = deps().jobs;
    const get = jobs.get.bind(jobs);
    let parkedBehind = false;
    // The worker's park releases the lease and leaves the version as it was (slice-outcomes.ts).
    jobs.get = async (id: string) => {
      const seen = await get(id);
      if (id === job.id && !parkedBehind) {
        parkedBehind = true;
        await jobs.tryUpdate(id, { set: { parked: 'waiting', parkedAt: now }, remove: ['leaseOwner', 'leaseExpiresAt'] });
      }
      return seen;
    };
    try {
      expect((await apply('stop', job.id))?.status).toBe('STOPPED');
    } finally {
      jobs.get = get;
    }
    expect([parkedBehind, (await read(job.id)).status]).toEqual([true, 'STOPPED']);
  });

  it('force-stops a job stuck STOPPING by revoking its lease: the epoch moves on and a cancel asked of it is dropped', async () => {
    now = Date.now();
    const job = await place('STOPPING', null, { leaseOwner: 'w', leaseEpoch: 2, leaseExpiresAt: now + 30_000, cancelRequested: true });
    expect((await apply('force-stop', job.id))?.status).toBe('STOPPED');
    const after = await read(job.id);
    expect([after.leaseEpoch, after.cancelRequested]).toEqual([3, undefined]);
  });

  describe('restarting a child', () => {
    it.each([
      ['an ended parent', 'FINISHED', 1, 1],
      ['a parent on another run', 'RUNNING', 2, 1],
    ] as const)('is allowed under %s', async (_name, parentStatus, parentRun, childRun) => {
      now = Date.now();
      const parent = await place(parentStatus, null, { childrenTotal: 1, childrenDone: 1, run: parentRun });
      const child = await place('FINISHED', parent, { parentRun: childRun });
      expect((await apply('restart', child.id))?.status).toBe('PENDING');
    });

    it('is refused, naming the parent, while the run of the parent that counted it goes on', async () => {
      now = Date.now();
      const parent = await place('RUNNING', null, { childrenTotal: 2, childrenDone: 1, run: 1 });
      const child = await place('FINISHED', parent, { parentRun: 1 });
      await expect(apply('restart', child.id)).rejects.toMatchObject({
        code: 'conflict',
        message: `cannot restart job ${child.id}: its parent ${parent.id} is RUNNING and has counted it as done; restart it once the parent has ended`,
        details: { jobId: child.id, operation: 'restart' },
      });
    });

    it('is allowed for a root', async () => {
      now = Date.now();
      expect((await apply('restart', (await place('FINISHED')).id))?.status).toBe('PENDING');
    });
  });
});
