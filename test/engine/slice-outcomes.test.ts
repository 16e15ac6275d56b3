import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobStatus } from '@stint/core';
import { setCrashPointHook } from '@stint/core/crash-points';
import type { JobRecord } from '@stint/core/job-record';
import { finishOrPark, stopHeld, stopNow } from '@stint/core/engine/slice-outcomes';
import { parkedPartition, statusIndexKeys } from '@stint/core/store/table-keys';
import { LEASE, jobRunStack } from '../support/job-runs.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';

/**
 * How a slice's run ends its job (packages/core/src/engine/slice-outcomes.ts), called directly
 * on jobs placed in the state each case needs: what the finish, park and stop writes leave on
 * the item, and what they refuse. The engine's clock is the test's; no poller runs.
 */
/** The stack's retention (test/support/stack.ts), in seconds. */
const RETENTION_S = 30 * 86_400;

describe.each(DYNAMO_BACKENDS)('slice outcomes on %s', (backend) => {
  let now = Date.now();
  const { deps, ctx, read, place: placeJob } = jobRunStack(backend, () => now);
  afterEach(() => vi.restoreAllMocks());

  /** A job in `status` holding LEASE, dispatched, 3 of whose slices were lost before this one. */
  const place = (status: JobStatus, fields: Partial<JobRecord> = {}) =>
    placeJob(status, { dispatchedAt: now - 4_500, gsi5pk: 'I#0', lostSlices: 3, progress: 10, ...fields });

  /** A parent parked waiting for one child, and that child running. */
  async function parentAndChild(childStatus: JobStatus = 'RUNNING', childFields: Partial<JobRecord> = {}) {
    const parent = await place('RUNNING', { childrenTotal: 1, parked: 'waiting', parkedAt: now - 1_000, leaseOwner: undefined, leaseExpiresAt: undefined });
    const child = await place(childStatus, { parentId: parent.id, rootId: parent.id, ...childFields });
    return { parent, child };
  }

  describe('finishOrPark', () => {
    it('finishes a job with no children left: its results, an error cut to 2,000 characters, its flags, and no lease, dispatch or lost slices', async () => {
      now = Date.now();
      const job = await place('RUNNING');
      const outcome = await finishOrPark(ctx(), job, LEASE, {
        results: { rows: 7 },
        resultFile: 'out.csv',
        progress: 100,
        hasErrors: true,
        error: 'e'.repeat(2_500),
        timedOut: true,
      });
      expect(outcome).toBe('finished');
      const after = await read(job.id);
      expect(after).toMatchObject({ status: 'FINISHED', results: { rows: 7 }, resultFile: 'out.csv', progress: 100, hasErrors: true, timedOut: true });
      expect(after.error).toBe('e'.repeat(2_000));
      expect(after).toMatchObject({ lostSlices: 0, endDate: now, expiresAt: Math.floor(now / 1000) + RETENTION_S, version: job.version + 1 });
      for (const gone of ['leaseOwner', 'leaseExpiresAt', 'gsi5pk', 'gsi5sk', 'dispatchedAt'] as const) expect(after[gone]).toBeUndefined();
    });

    it('sets no error flags a run did not report', async () => {
      now = Date.now();
      const job = await place('RUNNING');
      expect(await finishOrPark(ctx(), job, LEASE, { progress: 100 })).toBe('finished');
      const after = await read(job.id);
      expect(after.status).toBe('FINISHED');
      expect([after.hasErrors, after.timedOut, after.error]).toEqual([false, undefined, undefined]);
    });

    it('parks a job whose children have not all ended as done, off its lease and in the parked set, still RUNNING', async () => {
      now = Date.now();
      const job = await place('RUNNING', { childrenTotal: 3, childrenDone: 1 });
      expect(await finishOrPark(ctx(), job, LEASE, { results: { rows: 2 } })).toBe('parked');
      const after = await read(job.id);
      expect(after).toMatchObject({
        status: 'RUNNING',
        parked: 'done',
        parkedAt: now,
        gsi5pk: parkedPartition(job.id),
        gsi5sk: job.id,
        results: { rows: 2 },
        lostSlices: 0,
      });
      for (const gone of ['leaseOwner', 'leaseExpiresAt', 'dispatchedAt', 'endDate'] as const) expect(after[gone]).toBeUndefined();
    });

    it('finishes the job when its last child ends between the finish write and the park write', async () => {
      now = Date.now();
      const job = await place('RUNNING', { childrenTotal: 2, childrenDone: 1 });
      const jobs = deps().jobs;
      const tryUpdate = jobs.tryUpdate.bind(jobs);
      let calls = 0;
      vi.spyOn(jobs, 'tryUpdate').mockImplementation(async (id, spec) => {
        const result = await tryUpdate(id, spec);
        // The finish write found 1 of 2 children done; the last one ends before the park write.
        if (id === job.id && ++calls === 1) await tryUpdate(id, { set: { childrenDone: 2 } });
        return result;
      });
      expect(await finishOrPark(ctx(), job, LEASE, { results: { rows: 1 } })).toBe('finished');
      expect(await read(job.id)).toMatchObject({ status: 'FINISHED', childrenDone: 2, results: { rows: 1 } });
      expect(calls).toBe(3);
    });

    it('throws LeaseLostError and writes nothing when the lease was taken over', async () => {
      now = Date.now();
      const job = await place('RUNNING', { leaseEpoch: LEASE.epoch + 1 });
      await expect(finishOrPark(ctx(), job, LEASE, { results: { rows: 1 } })).rejects.toMatchObject({ code: 'leaseLost' });
      expect(await read(job.id)).toMatchObject({ status: 'RUNNING', version: job.version, lostSlices: 3 });
      expect((await read(job.id)).results).toBeUndefined();
    });

    it('counts the finished child on its parent, after the job is written FINISHED (slice.ended)', async () => {
      now = Date.now();
      const { parent, child } = await parentAndChild();
      setCrashPointHook((point, detail) => {
        if (point === 'slice.ended' && detail.jobId === child.id) throw new Error('died at slice.ended');
      });
      await expect(finishOrPark(ctx(), child, LEASE, {})).rejects.toThrow('died at slice.ended');
      expect([(await read(child.id)).status, (await read(parent.id)).childrenDone]).toEqual(['FINISHED', 0]);

      setCrashPointHook(undefined);
      const { child: other } = await parentAndChild();
      expect(await finishOrPark(ctx(), other, LEASE, {})).toBe('finished');
      expect((await read(other.parentId!)).childrenDone).toBe(1);
      expect(parent.id).not.toBe(other.parentId);
    });
  });

  describe('stopHeld', () => {
    it('ends a STOPPING job STOPPED with the progress the slice held back, no expiry and no lease', async () => {
      now = Date.now();
      const job = await place('STOPPING');
      expect(await stopHeld(ctx(), job, LEASE, 42)).toBe('stopped');
      const after = await read(job.id);
      expect(after).toMatchObject({ status: 'STOPPED', progress: 42, lostSlices: 0, endDate: now, version: job.version + 1 });
      for (const gone of ['leaseOwner', 'expiresAt', 'gsi5pk'] as const) expect(after[gone]).toBeUndefined();
    });

    it('keeps the stored progress when the slice held none back', async () => {
      now = Date.now();
      const job = await place('STOPPING');
      expect(await stopHeld(ctx(), job, LEASE, null)).toBe('stopped');
      expect(await read(job.id)).toMatchObject({ status: 'STOPPED', progress: 10 });
    });

    it('answers resumed and writes nothing when the job is RUNNING again', async () => {
      now = Date.now();
      const job = await place('RUNNING');
      expect(await stopHeld(ctx(), job, LEASE, 42)).toBe('resumed');
      expect(await read(job.id)).toMatchObject({ status: 'RUNNING', progress: 10, version: job.version, leaseOwner: LEASE.owner });
    });

    it('ends the job CANCELED when a cancel was asked: expiry set, the ask and the checkpoints cleared, the parent counting it', async () => {
      now = Date.now();
      const { parent, child } = await parentAndChild('STOPPING', { cancelRequested: true });
      await deps().checkpoints.save(child.id, { name: 'first', result: 1, spawnSeq: 0 });
      expect(await stopHeld(ctx(), child, LEASE, null)).toBe('stopped');
      const after = await read(child.id);
      expect(after).toMatchObject({ status: 'CANCELED', expiresAt: Math.floor(now / 1000) + RETENTION_S });
      expect(after.cancelRequested).toBeUndefined();
      expect((await deps().checkpoints.load(child.id)).size).toBe(0);
      expect((await read(parent.id)).childrenDone).toBe(1);
    });

    it('reads again and ends the job CANCELED when the cancel came after the slice read it', async () => {
      now = Date.now();
      const job = await place('STOPPING');
      await deps().jobs.tryUpdate(job.id, { set: { cancelRequested: true } });
      expect(await stopHeld(ctx(), job, LEASE, 5)).toBe('stopped');
      expect(await read(job.id)).toMatchObject({ status: 'CANCELED', progress: 5 });
    });

    it('answers resumed when a resume turned the job RUNNING after the slice read the stop', async () => {
      now = Date.now();
      const job = await place('STOPPING');
      await deps().jobs.tryUpdate(job.id, { set: { status: 'RUNNING', ...statusIndexKeys(job, 'RUNNING') } });
      expect(await stopHeld(ctx(), job, LEASE, 42)).toBe('resumed');
      expect(await read(job.id)).toMatchObject({ status: 'RUNNING', progress: 10, leaseOwner: LEASE.owner });
    });

    it('gives up after three writes when a cancel is asked and withdrawn before each of them', async () => {
      now = Date.now();
      const job = await place('STOPPING');
      const jobs = deps().jobs;
      const tryUpdate = jobs.tryUpdate.bind(jobs);
      let writes = 0;
      vi.spyOn(jobs, 'tryUpdate').mockImplementation(async (id, spec) => {
        if (id !== job.id) return tryUpdate(id, spec);
        writes++;
        const asked = (await read(id)).cancelRequested === true;
        await tryUpdate(id, asked ? { remove: ['cancelRequested'] } : { set: { cancelRequested: true } });
        return tryUpdate(id, spec);
      });
      await expect(stopHeld(ctx(), job, LEASE, 42)).rejects.toMatchObject({ code: 'leaseLost' });
      expect(writes).toBe(3);
      expect((await read(job.id)).status).toBe('STOPPING');
    });

    it('throws LeaseLostError when the lease was taken over', async () => {
      now = Date.now();
      const job = await place('STOPPING', { leaseOwner: 'worker-b' });
      await expect(stopHeld(ctx(), job, LEASE, 42)).rejects.toMatchObject({ code: 'leaseLost' });
      expect(await read(job.id)).toMatchObject({ status: 'STOPPING', progress: 10, version: job.version });
    });
  });

  describe('stopNow', () => {
    it('ends a job at the version read STOPPED, and a stale read ends nothing', async () => {
      now = Date.now();
      const job = await place('PENDING', { leaseOwner: undefined, leaseExpiresAt: undefined });
      expect(await stopNow(ctx(), { ...job, version: job.version - 1 })).toBeNull();
      expect((await read(job.id)).status).toBe('PENDING');
      expect(await stopNow(ctx(), job)).toMatchObject({ status: 'STOPPED', version: job.version + 1, lostSlices: 0 });
    });

    it('ends a job with a cancel asked CANCELED, and not when the ask is gone from the item', async () => {
      now = Date.now();
      const job = await place('PENDING', { leaseOwner: undefined, leaseExpiresAt: undefined, cancelRequested: true });
      await deps().jobs.tryUpdate(job.id, { remove: ['cancelRequested'] });
      expect(await stopNow(ctx(), job)).toBeNull();
      const again = await place('PENDING', { leaseOwner: undefined, leaseExpiresAt: undefined, cancelRequested: true });
      expect(await stopNow(ctx(), again)).toMatchObject({ status: 'CANCELED' });
    });
  });
});
