import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobContext } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import { setCrashPointHook } from '@stint/core/crash-points';
import type { JobRecord } from '@stint/core/job-record';
import { bumpVersion } from '@stint/core/engine/transitions';
import { delayedPartition, delayedSortKey } from '@stint/core/store/table-keys';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { loggedLines } from '../support/jobs.ts';
import { LEASE_MS, sliceRunStack } from '../support/slice-runs.ts';

/**
 * One work message through the slice runner (packages/core/src/engine/slice-runner.ts), driven
 * by hand on jobs placed as dispatch leaves them: which messages it skips, what taking the
 * lease writes, what the job's run sees, and what a finished slice frees and charges. Its
 * failures, retries, yields and stops: slice-runner-outcomes.test.ts.
 */
describe.each(DYNAMO_BACKENDS)('the slice runner on %s', (backend) => {
  let now = Date.now();
  const { stack, deps, read, dispatcher, place, process } = sliceRunStack(backend, () => now);
  afterEach(() => vi.restoreAllMocks());

  /** A run that records the job's item as it is once the slice holds the lease. */
  const recording = (seen: JobRecord[]) => async (ctx: JobContext) => {
    seen.push(await read(ctx.job.id));
  };

  describe('a message it does not run', () => {
    const cases: Array<[string, () => Promise<JobRecord | { id: string; rootId: string; tenant: string }>]> = [
      ['a job that is not there', async () => ({ id: 'nope', rootId: 'nope', tenant: 'acme' })],
      ...(['FINISHED', 'STOPPED', 'CANCELING', 'CANCELED'] as JobStatus[]).map(
        (status) => [`a ${status} job`, () => place('PLAIN', status)] as [string, () => Promise<JobRecord>],
      ),
      ['a parked job', () => place('PLAIN', 'RUNNING', { parked: 'waiting', parkedAt: now - 1_000 })],
      ['a job in its ready set, waiting for the dispatcher', () => place('PLAIN', 'PENDING', { gsi5pk: 'R#n#x', gsi5sk: 'x', dispatchedAt: undefined })],
      ['a job in no set', () => place('PLAIN', 'PENDING', { gsi5pk: undefined, gsi5sk: undefined })],
      ['a job whose lease another worker holds for 1 ms more', () => place('PLAIN', 'RUNNING', { leaseOwner: 'w2', leaseEpoch: 1, leaseExpiresAt: now + 1 })],
    ];
    it.each(cases)('skips %s and writes nothing', async (_name, placed) => {
      now = Date.now();
      const job = await placed();
      let ran = false;
      const outcome = await process(job as JobRecord, () => {
        ran = true;
      });
      expect([outcome, ran]).toEqual(['skipped', false]);
      if ('version' in job) expect((await read(job.id)).version).toBe(job.version);
    });

    it('runs a job whose last lease ran out this very millisecond', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING', { leaseOwner: 'w2', leaseEpoch: 1, leaseExpiresAt: now });
      expect(await process(job)).toBe('finished');
    });
  });

  describe('a wake-up message', () => {
    /** A job asked to start at `runAt`, in the delayed set as submit leaves it. */
    async function delayed(runAt: number) {
      const job = await place('PLAIN', 'PENDING', { runAt, dispatchedAt: undefined });
      await deps().jobs.tryUpdate(job.id, { set: { gsi5pk: delayedPartition(job.id), gsi5sk: delayedSortKey(runAt, job.id) } });
      return read(job.id);
    }

    it('makes a job due now ready (the dispatcher then sends it), without running it', async () => {
      now = Date.now();
      const job = await delayed(now);
      let ran = false;
      expect(await process(job, () => (ran = true))).toBe('woken');
      const after = await read(job.id);
      expect(ran).toBe(false);
      expect(after.gsi5pk?.startsWith('N#')).toBe(false);
      expect(after.status).toBe('PENDING');
    });

    it('leaves a job not yet due where it is', async () => {
      now = Date.now();
      const job = await delayed(now + 1);
      expect(await process(job)).toBe('skipped');
      expect(await read(job.id)).toMatchObject({ gsi5pk: job.gsi5pk, version: job.version });
    });
  });

  describe('a STOPPING job', () => {
    it.each([
      ['of a stoppable type', 'PLAIN'],
      ['of a type this worker does not know', 'GONE'],
    ])('%s ends STOPPED without running', async (_name, type) => {
      now = Date.now();
      const job = await place(type, 'STOPPING');
      let ran = false;
      expect(await process(job, () => (ran = true))).toBe('stopped');
      expect([(await read(job.id)).status, ran]).toEqual(['STOPPED', false]);
    });

    it('is skipped when it moved between the read and the stop write', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'STOPPING');
      const get = deps().jobs.get.bind(deps().jobs);
      vi.spyOn(deps().jobs, 'get').mockImplementationOnce(async (id, ...rest) => {
        const read = await get(id, ...rest);
        await deps().jobs.tryUpdate(id, bumpVersion);
        return read;
      });
      expect(await process(job)).toBe('skipped');
      expect((await read(job.id)).status).toBe('STOPPING');
    });

    it('of a type that cannot stop runs on to its end, STOPPING while it runs', async () => {
      now = Date.now();
      const job = await place('UNSTOPPABLE', 'STOPPING');
      const seen: JobRecord[] = [];
      expect(await process(job, recording(seen))).toBe('finished');
      expect([seen[0]?.status, (await read(job.id)).status]).toEqual(['STOPPING', 'FINISHED']);
    });
  });

  describe('taking the lease', () => {
    it('makes a PENDING job RUNNING under this worker for a lease, out of dispatch, one version and epoch on', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'PENDING', { leaseEpoch: 4 });
      const seen: JobRecord[] = [];
      expect(await process(job, recording(seen))).toBe('finished');
      expect(seen[0]).toMatchObject({
        status: 'RUNNING',
        leaseOwner: deps().workerId,
        leaseExpiresAt: now + LEASE_MS,
        leaseEpoch: 5,
        startDate: now,
        lostSlices: 0,
        stepsAtAcquire: 0,
        version: job.version + 1,
      });
      expect(seen[0]!.dispatchedAt).toBeUndefined();
      expect(seen[0]!.deadlineAt).toBeUndefined();
    });

    it('keeps a RUNNING job RUNNING and its first start date', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING', { startDate: now - 7_000 });
      const seen: JobRecord[] = [];
      await process(job, recording(seen));
      expect(seen[0]).toMatchObject({ status: 'RUNNING', startDate: now - 7_000, leaseOwner: deps().workerId });
    });

    it('sets the deadline of a type with a timeout on the first slice, and keeps one already set', async () => {
      now = Date.now();
      const seen: JobRecord[] = [];
      await process(await place('TIMED'), recording(seen));
      await process(await place('TIMED', 'RUNNING', { deadlineAt: now + 5_000 }), recording(seen));
      expect(seen.map((record) => record.deadlineAt)).toEqual([now + 60_000, now + 5_000]);
    });

    it('does nothing when the job moved after it was read', async () => {
      now = Date.now();
      const job = await place('PLAIN');
      setCrashPointHook(async (point, detail) => {
        if (point === 'slice.loaded' && detail.jobId === job.id) await deps().jobs.tryUpdate(job.id, bumpVersion);
      });
      let ran = false;
      expect(await process(job, () => (ran = true))).toBe('skipped');
      expect([ran, (await read(job.id)).leaseOwner]).toEqual([false, undefined]);
    });

    it('waits its turn again, running nothing, when its concurrency slot was given away', async () => {
      now = Date.now();
      const job = await place('PLAIN');
      vi.spyOn(dispatcher().gate, 'confirm').mockResolvedValueOnce(false);
      const release = vi.spyOn(dispatcher().gate, 'release');
      let ran = false;
      expect(await process(job, () => (ran = true))).toBe('skipped');
      const after = await read(job.id);
      expect([ran, after.leaseOwner, after.version > job.version]).toEqual([false, undefined, true]);
      expect(stack().events).toContainEqual(expect.objectContaining({ type: 'warning', jobId: job.id, message: expect.stringContaining('slot given away') }));
      expect(release).not.toHaveBeenCalled();
    });
  });

  describe('counting the start', () => {
    it.each([
      ['from its creation', undefined, 5_000],
      ['from the time it asked to start at', -2_000, 2_000],
      ['as none when that time is still ahead (clocks apart)', 3_000, 0],
    ])('counts the wait of a first slice %s', async (_name, runAtFromNow, waited) => {
      now = Date.now();
      const job = await place('PLAIN', 'PENDING', runAtFromNow === undefined ? {} : { runAt: now + runAtFromNow });
      const counters = deps().counters.batch();
      const started = vi.spyOn(counters, 'jobStarted');
      await process(job, undefined, counters);
      expect(started.mock.calls).toEqual([['acme', now, waited]]);
      expect(stack().events.filter((event) => event.type === 'jobStarted' && event.jobId === job.id)).toEqual([
        { type: 'jobStarted', jobId: job.id, rootId: job.id, tenant: 'acme', jobType: 'PLAIN', waitingMs: waited },
      ]);
    });

    it('counts no start for a later slice', async () => {
      now = Date.now();
      const counters = deps().counters.batch();
      const started = vi.spyOn(counters, 'jobStarted');
      await process(await place('PLAIN', 'RUNNING'), undefined, counters);
      expect(started).not.toHaveBeenCalled();
    });
  });

  describe('what the run sees', () => {
    it('is the job as it is, its attempt counted from 1, and its data', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'PENDING', { attempt: 2, label: 'Nightly', lowPriority: true, data: { file: 'a.csv' } });
      let seen: unknown;
      await process(job, (ctx) => {
        seen = { job: ctx.job, data: ctx.data, aborted: ctx.signal.aborted };
      });
      expect(seen).toEqual({
        job: {
          id: job.id,
          type: 'PLAIN',
          label: 'Nightly',
          tenant: 'acme',
          rootId: job.id,
          parentId: null,
          runBy: null,
          lowPriority: true,
          createDate: now - 5_000,
          startDate: now,
          attempt: 3,
        },
        data: { file: 'a.csv' },
        aborted: false,
      });
    });

    it('replays the steps a started job checkpointed, and runs every step of a job never started', async () => {
      now = Date.now();
      const started = await place('PLAIN', 'RUNNING');
      const fresh = await place('PLAIN');
      for (const job of [started, fresh]) await deps().checkpoints.save(job.id, { name: 'load', result: 'stored', spawnSeq: 0 });
      const results: unknown[] = [];
      for (const job of [started, fresh]) await process(job, async (ctx) => results.push(await ctx.step('load', () => 'ran')));
      expect(results).toEqual(['stored', 'ran']);
    });
  });

  describe('what the run does through its context', () => {
    it('logs at its two levels, an ERROR line marking the job', async () => {
      now = Date.now();
      const job = await place('PLAIN');
      await process(job, (ctx) => {
        ctx.log.info('read 3 rows', { rows: 3 });
        ctx.log.error('row 2 is bad', { row: 2 });
      });
      const lines = (await loggedLines(deps().jobs, job.id)).map(({ level, message, additionalInfo }) => [level, message, additionalInfo]);
      expect(lines).toEqual([
        ['INFO', 'read 3 rows', { rows: 3 }],
        ['ERROR', 'row 2 is bad', { row: 2 }],
      ]);
      expect(await read(job.id)).toMatchObject({ status: 'FINISHED', hasErrors: true });
    });

    it.each([
      ['sleeps for a time from now', (ctx: JobContext) => ctx.sleep('nap', 5_000), 5_000],
      ['sleeps until a time in ms', (ctx: JobContext) => ctx.sleepUntil('nap', now + 7_000), 7_000],
      ['sleeps until a Date', (ctx: JobContext) => ctx.sleepUntil('nap', new Date(now + 9_000)), 9_000],
    ])('%s, parked off its lease, its slot freed', async (_name, body, after) => {
      now = Date.now();
      const job = await place('PLAIN');
      const release = vi.spyOn(dispatcher().gate, 'release');
      expect(await process(job, body)).toBe('parked');
      expect(release.mock.calls.map(([record]) => record.id)).toEqual([job.id]);
      expect(await read(job.id)).toMatchObject({ status: 'RUNNING', sleepingUntil: now + after, gsi5pk: delayedPartition(job.id) });
    });

    it('waits for an event by name and key, until its timeout', async () => {
      now = Date.now();
      const job = await place('PLAIN');
      expect(await process(job, (ctx) => ctx.waitForEvent('approved', { key: 'order-7', timeoutMs: 60_000 }))).toBe('parked');
      expect((await read(job.id)).eventWait).toEqual({ name: 'approved', key: 'order-7', until: now + 60_000 });
    });

    it('spawns a child and waits for it', async () => {
      now = Date.now();
      const job = await place('PLAIN');
      let childId = '';
      const outcome = await process(job, async (ctx) => {
        childId = await ctx.spawn('PLAIN', { part: 1 });
        await ctx.waitForChildren();
      });
      expect(outcome).toBe('parked');
      expect(await read(job.id)).toMatchObject({ parked: 'waiting', childrenTotal: 1 });
      expect(await read(childId)).toMatchObject({ parentId: job.id, rootId: job.id, data: { part: 1 }, status: 'PENDING' });
    });
  });

  describe('a lost slice before this one', () => {
    /** A job whose last slice died holding its lease, after `stepsAtAcquire` steps and `lostSlices` lost slices. */
    async function diedWith(stored: number, fields: Partial<JobRecord>) {
      const job = await place('PLAIN', 'RUNNING', { leaseOwner: 'w2', leaseEpoch: 1, leaseExpiresAt: now - 1, ...fields });
      for (let i = 0; i < stored; i++) await deps().checkpoints.save(job.id, { name: `s${i}`, result: i, spawnSeq: 0 });
      return job;
    }

    it.each([
      ['counts one more lost slice when it checkpointed no step', 1, { stepsAtAcquire: 1, lostSlices: 1 }, 2],
      ['starts again from none when it checkpointed a step', 2, { stepsAtAcquire: 1, lostSlices: 2 }, 0],
      ['counts the first lost slice of a job that had none', 0, {}, 1],
    ])('%s', async (_name, stored, fields, lost) => {
      now = Date.now();
      const seen: JobRecord[] = [];
      expect(await process(await diedWith(stored, fields), recording(seen))).toBe('finished');
      expect(seen[0]).toMatchObject({ lostSlices: lost, stepsAtAcquire: stored });
    });

    it('fails the job, run no more, at the third lost slice in a row', async () => {
      now = Date.now();
      const job = await diedWith(0, { stepsAtAcquire: 0, lostSlices: 2 });
      let ran = false;
      expect(await process(job, () => (ran = true))).toBe('failed');
      const after = await read(job.id);
      expect([ran, after.status, after.hasErrors]).toEqual([false, 'FINISHED', true]);
      expect(after.error).toBe(
        "its worker stopped mid-slice 3 times in a row without finishing a step (a crash, or a step running past the worker's timeout; keep steps well under it)",
      );
    });
  });

  describe('a slice that ends', () => {
    it('finishes the job with what its run returned, frees its slot and reports the slice', async () => {
      now = Date.now();
      const job = await place('PLAIN');
      const release = vi.spyOn(dispatcher().gate, 'release');
      const charge = vi.spyOn(dispatcher(), 'charge');
      const outcome = await process(job, () => {
        now += 1_234;
        return { rows: 3 };
      });
      expect(outcome).toBe('finished');
      expect(await read(job.id)).toMatchObject({ status: 'FINISHED', results: { rows: 3 }, progress: 100 });
      expect(release.mock.calls.map(([record]) => record.id)).toEqual([job.id]);
      // A lone root's slice shapes no one's share.
      expect(charge).not.toHaveBeenCalled();
      expect(stack().events.filter((event) => event.type === 'sliceEnded' && event.jobId === job.id)).toEqual([
        { type: 'sliceEnded', jobId: job.id, rootId: job.id, tenant: 'acme', jobType: 'PLAIN', outcome: 'finished', durationMs: 1_234 },
      ]);
    });

    it('takes the results and file the run set when it returns nothing', async () => {
      now = Date.now();
      const job = await place('PLAIN');
      await process(job, (ctx) => {
        ctx.setResults({ rows: 8 });
        ctx.setResultFile('exports/out.csv');
      });
      expect(await read(job.id)).toMatchObject({ status: 'FINISHED', results: { rows: 8 }, resultFile: 'exports/out.csv' });
    });

    it.each([
      ['a child', true, 0],
      ['a root with children', false, 2],
    ])("charges %s's slice to its root and dispatches the root's next work", async (_name, isChild, childrenTotal) => {
      now = Date.now();
      const root = await place('PLAIN', 'RUNNING', { parked: 'waiting', parkedAt: now - 1_000, childrenTotal: 1, gsi5pk: undefined, gsi5sk: undefined });
      const job = isChild ? await place('PLAIN', 'RUNNING', { parentId: root.id, rootId: root.id }) : await place('PLAIN', 'RUNNING', { childrenTotal });
      const charge = vi.spyOn(dispatcher(), 'charge');
      const pump = vi.spyOn(dispatcher(), 'pumpRoot');
      await process(job, () => {
        now += 700;
      });
      expect(charge.mock.calls).toEqual([[expect.objectContaining({ id: job.id, rootId: job.rootId }), 'normal', 700]]);
      expect(pump.mock.calls.map(([root, lane]) => [root, lane])).toContainEqual([job.rootId, 'normal']);
    });

    it('ends as it did when charging its root fails, with a warning', async () => {
      now = Date.now();
      const job = await place('PLAIN', 'RUNNING', { childrenTotal: 1 });
      vi.spyOn(dispatcher(), 'charge').mockRejectedValueOnce(new Error('throttled'));
      expect(await process(job)).toBe('parked');
      expect(stack().events).toContainEqual(expect.objectContaining({ type: 'warning', message: 'fairness charge or dispatch failed', jobId: job.id }));
    });
  });
});
