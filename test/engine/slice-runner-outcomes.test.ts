import { afterEach, describe, expect, it, vi } from 'vitest';
import { NonRetriableError, type JobContext } from '@stint/sdk';
import { setCrashPointHook } from '@stint/core/crash-points';
import type { JobRecord } from '@stint/core/job-record';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { loggedLines } from '../support/jobs.ts';
import { BUDGET_MS, sliceRunStack } from '../support/slice-runs.ts';

/**
 * How a slice the slice runner ran ends (packages/core/src/engine/slice-runner.ts), driven by
 * hand on placed jobs whose runs each test scripts: a failure retried after its backoff or
 * ending the job, a run past its deadline, a slice out of budget going back to fair dispatch,
 * and a stop found at a step boundary.
 */
describe.each(DYNAMO_BACKENDS)('how a slice ends on %s', (backend) => {
  let now = Date.now();
  const { deps, read, dispatcher, place, process } = sliceRunStack(backend, () => now);
  afterEach(() => vi.restoreAllMocks());

  const lines = (id: string) => loggedLines(deps().jobs, id);
  /** The crash points a job's slice passes, with the type they name. */
  const crashPointsOf = (jobId: string) => {
    const points: Array<{ point: string; jobType: string | undefined }> = [];
    setCrashPointHook(async (point, detail) => {
      if (detail.jobId === jobId) points.push({ point, jobType: detail.jobType });
    });
    return points;
  };
  const failing = (error: unknown) => () => {
    throw error;
  };

  describe('a run that throws', () => {
    // PLAIN retries after 2 s, doubling, capped at 5 s, for four attempts in all.
    it.each([
      [0, 2_000, 'retrying in 2 s'],
      [1, 4_000, 'retrying in 4 s'],
      [2, 5_000, 'retrying in 5 s'],
    ])('after attempt %i: keeps the job in flight, off its lease, to be sent again in %i ms', async (before, delayMs, words) => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING', { attempt: before });
      const send = vi.spyOn(dispatcher(), 'send');
      const release = vi.spyOn(dispatcher().gate, 'release');
      const points = crashPointsOf(job.id);
      expect(await process(job, failing(new Error('boom')))).toBe('retrying');
      expect(points).toContainEqual({ point: 'slice.retryScheduled', jobType: 'PLAIN' });
      const after = await read(job.id);
      expect(after).toMatchObject({ status: 'RUNNING', attempt: before + 1, lostSlices: 0, dispatchedAt: now + delayMs });
      expect([after.leaseOwner, after.leaseExpiresAt]).toEqual([undefined, undefined]);
      expect(send.mock.calls.map(([record, delay]) => [record.id, delay])).toEqual([[job.id, delayMs / 1000]]);
      expect((await lines(job.id)).map(({ level, message, additionalInfo }) => ({ level, message, additionalInfo }))).toEqual([
        { level: 'INFO', message: `attempt ${before + 1} failed: boom; ${words}`, additionalInfo: { attempt: before + 1, error: 'boom' } },
      ]);
      // The backoff keeps the slot, as it keeps its root's.
      expect(release).not.toHaveBeenCalled();
    });

    it('ends the job failed at its last attempt, the error and the top of its stack logged', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING', { attempt: 3 });
      const release = vi.spyOn(dispatcher().gate, 'release');
      const error = new Error('boom');
      error.stack = ['Error: boom', ...Array.from({ length: 11 }, (_, i) => `    at frame${i} (job.ts:${i})`)].join('\n');
      expect(await process(job, failing(error))).toBe('failed');
      // A run that reported no progress leaves the job's as it was.
      expect(await read(job.id)).toMatchObject({ status: 'FINISHED', hasErrors: true, error: 'boom', attempt: 3, progress: job.progress });
      const [line] = await lines(job.id);
      expect(line).toMatchObject({ level: 'ERROR', message: 'job failed: boom', additionalInfo: { attempt: 4, error: 'boom' } });
      expect((line!.additionalInfo as { stack: string }).stack).toBe(error.stack.split('\n').slice(0, 8).join('\n'));
      expect(release.mock.calls.map(([record]) => record.id)).toEqual([job.id]);
    });

    it('ends the job at once for a NonRetriableError, keeping the results and progress its run reported', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING');
      const outcome = await process(job, (ctx: JobContext) => {
        ctx.setResults({ done: 4 });
        ctx.setResultFile('partial.csv');
        ctx.progress(40);
        throw new NonRetriableError('bad row 5');
      });
      expect(outcome).toBe('failed');
      expect(await read(job.id)).toMatchObject({ status: 'FINISHED', error: 'bad row 5', results: { done: 4 }, resultFile: 'partial.csv', progress: 40 });
      expect((await lines(job.id)).map((line) => line.message)).toEqual(['job failed: bad row 5']);
    });

    it('words a thrown value that is no Error as itself, with no stack', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING', { attempt: 3 });
      expect(await process(job, failing('just a string'))).toBe('failed');
      expect((await read(job.id)).error).toBe('just a string');
      expect((await lines(job.id)).map((line) => line.additionalInfo)).toEqual([{ attempt: 4, error: 'just a string' }]);
    });

    it('logs no stack for an Error that has none', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING', { attempt: 3 });
      const error = new Error('stackless');
      error.stack = undefined;
      expect(await process(job, failing(error))).toBe('failed');
      expect((await lines(job.id)).map((line) => line.additionalInfo)).toEqual([{ attempt: 4, error: 'stackless' }]);
    });

    it('ends a job of a type this worker does not know, without a retry', async () => {
      now = Date.now();
      const job = await place('GONE');
      expect(await process(job)).toBe('failed');
      expect(await read(job.id)).toMatchObject({ status: 'FINISHED', hasErrors: true, error: 'job type GONE is not registered in this worker' });
    });
  });

  describe('a deadline', () => {
    it('ends a job whose deadline has come before its run starts, timed out', async () => {
      now = Date.now();
      const job = await place('TIMED', 'RUNNING', { deadlineAt: now });
      let ran = false;
      expect(await process(job, () => (ran = true))).toBe('failed');
      expect(ran).toBe(false);
      expect(await read(job.id)).toMatchObject({ status: 'FINISHED', timedOut: true, error: 'the job ran past its timeout of 60000 ms' });
    });

    it('runs a job 1 ms before its deadline', async () => {
      now = Date.now();
      expect(await process(await place('TIMED', 'RUNNING', { deadlineAt: now + 1 }))).toBe('finished');
    });

    it('cancels the children of a parent that timed out before they ended', async () => {
      now = Date.now();
      const parent = await place('TIMED', 'RUNNING', { deadlineAt: now, childrenTotal: 1 });
      const child = await place('TIMED', 'PENDING', { parentId: parent.id, rootId: parent.id, gsi5pk: undefined, gsi5sk: undefined, dispatchedAt: undefined });
      expect(await process(parent)).toBe('failed');
      expect((await read(child.id)).status).toBe('CANCELED');
      // Its last child ended by the cancel, the parent parked as done ends with it.
      expect(await read(parent.id)).toMatchObject({ status: 'FINISHED', timedOut: true, childrenDone: 1 });
    });
  });

  describe('a slice out of budget', () => {
    it('goes back to fair dispatch off its lease, keeping its checkpoints, results and progress', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING', { lostSlices: 1 });
      const points: string[] = [];
      setCrashPointHook(async (point, detail) => {
        if (detail.jobId === job.id && point.startsWith('slice.yield')) points.push(point);
      });
      const send = vi.spyOn(dispatcher(), 'send');
      const release = vi.spyOn(dispatcher().gate, 'release');
      const outcome = await process(job, async (ctx: JobContext) => {
        await ctx.step('first', () => 1);
        ctx.setResults({ upTo: 1 });
        ctx.progress(50);
        now += BUDGET_MS;
        await ctx.step('second', () => 2);
      });
      expect(outcome).toBe('yielded');
      const after = await read(job.id);
      expect(after).toMatchObject({ status: 'RUNNING', results: { upTo: 1 }, progress: 50, lostSlices: 0 });
      expect(after.leaseOwner).toBeUndefined();
      expect([...(await deps().checkpoints.load(job.id)).keys()]).toEqual(['first']);
      expect(points).toEqual(['slice.yieldLaneTouched', 'slice.yielded']);
      // Its root's dispatch sends it again: a continuation waits its turn like any slice.
      expect(send.mock.calls.map(([record]) => record.id)).toEqual([job.id]);
      expect(release.mock.calls.map(([record]) => record.id)).toEqual([job.id]);
    });
  });

  describe('a lease lost during the slice', () => {
    /** Another worker takes the job over, as after this one's lease ran out. */
    const takeOver = (id: string) => deps().jobs.tryUpdate(id, { set: { leaseOwner: 'worker-b', leaseEpoch: 99 } });

    it.each([
      ['a failure it would retry', 0],
      ['a failure that ends the job', 3],
    ])('ends quietly at %s, writing and sending nothing, its slot kept', async (_name, attempt) => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING', { attempt });
      const send = vi.spyOn(dispatcher(), 'send');
      const release = vi.spyOn(dispatcher().gate, 'release');
      const outcome = await process(job, async () => {
        await takeOver(job.id);
        throw new Error('boom');
      });
      expect(outcome).toBe('leaseLost');
      expect(await read(job.id)).toMatchObject({ status: 'RUNNING', attempt, leaseOwner: 'worker-b' });
      expect([send.mock.calls.length, release.mock.calls.length]).toEqual([0, 0]);
    });

    it('logs nothing of a failure once its held-back writes find the lease gone', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING');
      const outcome = await process(job, async (ctx: JobContext) => {
        ctx.log.error('row 3 is bad');
        await takeOver(job.id);
        throw new Error('boom');
      });
      expect(outcome).toBe('leaseLost');
      expect((await lines(job.id)).map((line) => line.message)).not.toContain('attempt 1 failed: boom; retrying in 2 s');
      expect((await read(job.id)).attempt).toBe(0);
    });

    it('stops at the step boundary whose lease proof finds the lease gone', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING');
      let after = 0;
      const outcome = await process(job, async (ctx: JobContext) => {
        await takeOver(job.id);
        now += BUDGET_MS;
        await ctx.step('first', () => 1);
        after++;
      });
      expect([outcome, after]).toEqual(['leaseLost', 0]);
      expect((await read(job.id)).status).toBe('RUNNING');
    });

    it('hands back an error of the store that is no lost lease, so the message is delivered again', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING');
      const tryUpdate = deps().jobs.tryUpdate.bind(deps().jobs);
      let writes = 0;
      // The lease write goes through; the finish write meets an outage.
      vi.spyOn(deps().jobs, 'tryUpdate').mockImplementation(async (...args) => {
        if (++writes === 2) throw new Error('service unavailable');
        return tryUpdate(...args);
      });
      await expect(process(job)).rejects.toThrow('service unavailable');
    });

    it('goes no further when its yield write finds the lease gone', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING');
      setCrashPointHook(async (point, detail) => {
        if (point === 'slice.yieldLaneTouched' && detail.jobId === job.id) await takeOver(job.id);
      });
      const pump = vi.spyOn(dispatcher(), 'pumpRoot');
      const outcome = await process(job, async (ctx: JobContext) => {
        now += BUDGET_MS;
        await ctx.step('first', () => 1);
      });
      expect(outcome).toBe('leaseLost');
      expect((await read(job.id)).leaseOwner).toBe('worker-b');
      expect(pump).not.toHaveBeenCalled();
    });
  });

  describe('a run that goes on after its interrupt', () => {
    it('yields with what it reported after the interrupt, even when it then throws', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING');
      const outcome = await process(job, async (ctx: JobContext) => {
        now += BUDGET_MS;
        try {
          await ctx.step('first', () => 1);
        } catch {
          ctx.progress(70);
          // An aborted request's own error, say: the interrupt still decides the outcome.
          throw new Error('request aborted');
        }
      });
      expect(outcome).toBe('yielded');
      expect(await read(job.id)).toMatchObject({ status: 'RUNNING', progress: 70, attempt: 0 });
      expect((await read(job.id)).error).toBeUndefined();
    });

    it('ends a run past its deadline timed out, when its timer fires during the slice', async () => {
      now = Date.now();
      const job = await place('TIMED', 'RUNNING', { deadlineAt: now + 20 });
      const outcome = await process(job, async (ctx: JobContext) => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        await ctx.step('late', () => 1);
      });
      expect(outcome).toBe('failed');
      expect(await read(job.id)).toMatchObject({ status: 'FINISHED', timedOut: true, error: 'the job ran past its timeout of 60000 ms' });
    });
  });

  describe('a stop found at a step boundary', () => {
    /** A run that finds the job STOPPING at its second step's boundary (a lease proof is due by then). */
    const stoppedMidway = (job: JobRecord) => async (ctx: JobContext) => {
      await ctx.step('first', () => 1);
      ctx.progress(30);
      await deps().jobs.tryUpdate(job.id, { set: { status: 'STOPPING' } });
      now += BUDGET_MS;
      await ctx.step('second', () => 2);
    };

    it('ends the job STOPPED with its progress, keeping its checkpoints', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING');
      const release = vi.spyOn(dispatcher().gate, 'release');
      expect(await process(job, stoppedMidway(job))).toBe('stopped');
      expect(release.mock.calls.map(([record]) => record.id)).toEqual([job.id]);
      expect(await read(job.id)).toMatchObject({ status: 'STOPPED', progress: 30 });
      expect([...(await deps().checkpoints.load(job.id)).keys()]).toEqual(['first']);
    });

    it('goes on as after a yield when the job was resumed before the stop was written', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING');
      setCrashPointHook(async (point, detail) => {
        if (point === 'slice.checkpointSaved' && detail.jobId === job.id) await deps().jobs.tryUpdate(job.id, { set: { status: 'RUNNING' } });
      });
      expect(await process(job, stoppedMidway(job))).toBe('yielded');
      expect((await read(job.id)).status).toBe('RUNNING');
    });
  });
});
