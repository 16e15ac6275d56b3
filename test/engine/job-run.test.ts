import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineJob, NonRetriableError } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import { setCrashPointHook } from '@stint/core/crash-points';
import { InterruptSignal, JobRun } from '@stint/core/engine/job-run';
import type { JobRecord } from '@stint/core/job-record';
import { newJobId } from '@stint/core/new-job';
import type { Checkpoint } from '@stint/core/store/checkpoint-store';
import { delayedSortKey, statusIndexKeys } from '@stint/core/store/table-keys';
import { engineInternals } from '@stint/core/testing';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { jobItem } from '../support/job-items.ts';
import { loggedLines } from '../support/jobs.ts';

/**
 * One slice's bookkeeping (packages/core/src/engine/job-run.ts), driven by hand on a job placed
 * RUNNING under a lease: what a step runs and replays, when its checkpoint is written, what a
 * boundary writes and which interrupt it raises, and what the lease proof writes or only
 * reads. The engine's clock is the test's (lease 30 s, so a renewal is due every 10 s; slice
 * budget 10 s); no poller runs.
 */
const NODE = defineJob({ type: 'NODE', run: async () => ({}) });
const STUBBORN = defineJob({ type: 'STUBBORN', stoppable: false, run: async () => ({}) });
const LEASE = { epoch: 2, owner: 'worker-a' };
const LEASE_MS = 30_000;
const BUDGET_MS = 10_000;

describe.each(DYNAMO_BACKENDS)('a job run on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  let now = Date.now();
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [NODE, STUBBORN], clock: () => now, tuning: { leaseMs: LEASE_MS, sliceBudgetMs: BUDGET_MS } });
  });
  afterEach(() => setCrashPointHook(undefined));
  afterAll(async () => {
    await emulators?.stop();
  });

  const deps = () => engineInternals(stack.engine).deps;
  const ctx = () => ({ deps: deps(), dispatcher: engineInternals(stack.engine).dispatcher, counters: deps().counters.batch() });
  const read = async (id: string) => (await deps().jobs.get(id))!;

  async function place(status: JobStatus = 'RUNNING', fields: Partial<JobRecord> = {}): Promise<JobRecord> {
    const id = newJobId(now);
    const base = jobItem({ id, createDate: now - 5_000 });
    const record: JobRecord = {
      ...base,
      status,
      ...statusIndexKeys(base, status),
      startDate: now - 1_000,
      leaseOwner: LEASE.owner,
      leaseEpoch: LEASE.epoch,
      leaseExpiresAt: now + LEASE_MS,
      ...fields,
    };
    await deps().jobs.create(record);
    return record;
  }

  /** A run of `record` that starts now, with these checkpoints stored before it. */
  async function runOf(record: JobRecord, stored: Checkpoint[] = [], definition = NODE) {
    for (const checkpoint of stored) await deps().checkpoints.save(record.id, checkpoint);
    return new JobRun(ctx(), definition, record, await deps().checkpoints.load(record.id));
  }

  const checkpointNames = async (id: string) => [...(await deps().checkpoints.load(id)).keys()].sort();

  describe('a step', () => {
    it('runs its function once, returns its result as JSON would, and stores it as a checkpoint only at the next boundary', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      let calls = 0;
      const result = await run.step('load', () => {
        calls++;
        return { at: new Date(0), skipped: undefined, n: 1 };
      });
      expect(result).toEqual({ at: '1970-01-01T00:00:00.000Z', n: 1 });
      expect(await checkpointNames(job.id)).toEqual([]);
      await run.boundary();
      expect(await checkpointNames(job.id)).toEqual(['load']);
      expect((await deps().checkpoints.load(job.id)).get('load')).toEqual({ name: 'load', result: { at: '1970-01-01T00:00:00.000Z', n: 1 }, spawnSeq: 0 });
      expect(calls).toBe(1);
    });

    it('stores an undefined result as absent, and the checkpoint is written before its crash point', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      const saved: string[] = [];
      setCrashPointHook(async (point, detail) => {
        if (point === 'slice.checkpointSaved' && detail.jobId === job.id) saved.push(...(await checkpointNames(job.id)));
      });
      expect(await run.step('nothing', () => undefined)).toBeUndefined();
      await run.flushAll();
      expect(saved).toEqual(['nothing']);
      expect((await deps().checkpoints.load(job.id)).get('nothing')).toEqual({ name: 'nothing', result: undefined, spawnSeq: 0 });
    });

    it('replays a stored step without running it, taking its spawn count', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job, [{ name: 'load', result: { rows: 3 }, spawnSeq: 4 }]);
      let calls = 0;
      expect(
        await run.step('load', () => {
          calls++;
          return { rows: 99 };
        }),
      ).toEqual({ rows: 3 });
      expect([calls, run.spawns.seq]).toEqual([0, 4]);
    });

    it('refuses a step name used twice in one run, and a step after an interrupt', async () => {
      now = Date.now();
      const run = await runOf(await place());
      await run.step('same', () => 1);
      await expect(run.step('same', () => 2)).rejects.toBeInstanceOf(NonRetriableError);
      await expect(run.step('same', () => 2)).rejects.toThrow('step name "same" is used twice in one run');
      let calls = 0;
      run.interrupt = 'yield';
      await expect(run.step('later', () => calls++)).rejects.toMatchObject({ interrupt: 'yield' });
      expect(calls).toBe(0);
    });

    it('keeps no checkpoint of a step during which the run was interrupted, nor of one whose crash point failed', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      await expect(
        run.step('cut', () => {
          run.interrupt = 'leaseLost';
          return 1;
        }),
      ).rejects.toMatchObject({ interrupt: 'leaseLost' });
      const other = await runOf(await place());
      setCrashPointHook((point, detail) => {
        if (point === 'slice.stepDone' && detail.jobId === other.record.id) throw new Error('died at slice.stepDone');
      });
      await expect(other.step('done', () => 1)).rejects.toThrow('died at slice.stepDone');
      setCrashPointHook(undefined);
      await run.flushAll();
      await other.flushAll();
      expect([await checkpointNames(job.id), await checkpointNames(other.record.id)]).toEqual([[], []]);
    });

    it('is an InterruptSignal when a run stops early, named and worded after its interrupt', () => {
      const signal = new InterruptSignal('yield');
      expect([signal.name, signal.message, signal.interrupt]).toEqual(['InterruptSignal', 'slice interrupted: yield', 'yield']);
    });
  });

  describe('replaying', () => {
    it('drops log lines and progress reported while replaying, and keeps those after the last stored step', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job, [{ name: 'first', result: 1, spawnSeq: 0 }]);
      run.log('INFO', 'replayed line');
      run.reportProgress(30);
      expect(run.progress).toBeNull();
      await run.step('first', () => 1);
      await run.step('second', () => 2);
      run.log('INFO', 'new line', { n: 2 });
      run.reportProgress(49.6);
      expect(run.progress).toBe(50);
      await run.flushAll();
      expect((await loggedLines(deps().jobs, job.id)).map((line) => [line.message, line.additionalInfo])).toEqual([['new line', { n: 2 }]]);
    });

    it('ends at a replayed sleep that was the last thing stored, and not before a later step’s checkpoint', async () => {
      now = Date.now();
      const job = await place('RUNNING', { spawned: 2 });
      const run = await runOf(job, [
        { name: 'first', result: 1, spawnSeq: 0 },
        { name: 'nap', result: { wakeAt: now - 1 }, spawnSeq: 2 },
      ]);
      await run.step('first', () => 1);
      run.log('INFO', 'replayed');
      await run.sleep('nap', () => now + 60_000);
      run.log('INFO', 'after the nap');
      await run.flushAll();
      expect((await loggedLines(deps().jobs, job.id)).map((line) => line.message)).toEqual(['after the nap']);
    });

    it('goes on past a replayed sleep when the slice before spawned after it, up to its wait for children', async () => {
      now = Date.now();
      // The slice before slept, spawned a third child, and parked waiting for the three; all ended.
      const job = await place('RUNNING', { spawned: 3, childrenTotal: 3, childrenDone: 3 });
      const run = await runOf(job, [{ name: 'nap', result: { wakeAt: now - 1 }, spawnSeq: 2 }]);
      run.spawns.seq = 2;
      await run.sleep('nap', () => now + 60_000);
      run.log('INFO', 'replayed after the nap');
      await run.spawn('NODE', {});
      run.log('INFO', 'replayed spawn');
      expect(await run.waitForChildren()).toEqual([]);
      run.log('INFO', 'after the wait');
      await run.flushAll();
      expect((await loggedLines(deps().jobs, job.id)).map((line) => line.message)).toEqual(['after the wait']);
      expect((await read(job.id)).spawned).toBe(3);
    });

    it('holds progress within 0 and 100', async () => {
      now = Date.now();
      const run = await runOf(await place());
      run.reportProgress(140);
      expect(run.progress).toBe(100);
      run.reportProgress(-5);
      expect(run.progress).toBe(0);
    });
  });

  describe('a boundary', () => {
    it('yields once the slice budget is spent, and not before', async () => {
      now = Date.now();
      const run = await runOf(await place());
      now += BUDGET_MS - 1;
      await run.boundary();
      expect(run.interrupt).toBeNull();
      now += 1;
      await expect(run.boundary()).rejects.toMatchObject({ interrupt: 'yield' });
      expect([run.interrupt, run.controller.signal.aborted]).toEqual(['yield', true]);
    });

    it('only reads the job when nothing is due, and writes the lines held back at once only where it may park', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      run.log('INFO', 'held');
      await run.boundary();
      expect([await loggedLines(deps().jobs, job.id), (await read(job.id)).leaseExpiresAt]).toEqual([[], job.leaseExpiresAt]);
      await run.boundary({ mayYield: false });
      expect((await loggedLines(deps().jobs, job.id)).map((line) => line.message)).toEqual(['held']);
      expect(run.controller.signal.aborted).toBe(false);
    });

    it('does not yield where it may park (mayYield: false)', async () => {
      now = Date.now();
      const run = await runOf(await place());
      now += BUDGET_MS + 1;
      await run.boundary({ mayYield: false });
      expect(run.interrupt).toBeNull();
    });

    it('ends the run as timed out at its deadline, before a stop or the budget', async () => {
      now = Date.now();
      const run = await runOf(await place('STOPPING', { deadlineAt: now + 5_000 }));
      now += 4_999;
      await expect(run.boundary()).rejects.toMatchObject({ interrupt: 'stop' });
      const late = await runOf(await place('STOPPING', { deadlineAt: now + 5_000 }));
      now += 5_000;
      await expect(late.boundary()).rejects.toMatchObject({ interrupt: 'timeout' });
    });

    it('honours a stop of a stoppable type only', async () => {
      now = Date.now();
      const stoppable = await runOf(await place('STOPPING'));
      await expect(stoppable.boundary()).rejects.toMatchObject({ interrupt: 'stop' });
      const stubborn = await runOf(await place('STOPPING', { type: 'STUBBORN' }), [], STUBBORN);
      await stubborn.boundary();
      expect([stubborn.interrupt, stubborn.controller.signal.aborted]).toEqual([null, false]);
    });
  });

  describe('the lease proof', () => {
    it('only reads while no renewal is due, and renews the lease when one is', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      now += LEASE_MS / 3 - 1;
      await run.prove();
      expect(await read(job.id)).toMatchObject({ leaseExpiresAt: job.leaseExpiresAt });
      now += 1;
      await run.prove();
      expect(await read(job.id)).toMatchObject({ leaseExpiresAt: now + LEASE_MS });
    });

    it('writes held-back progress once a second has passed since the last write, and an ERROR line as hasErrors at once', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      run.reportProgress(40);
      now += 999;
      await run.prove();
      expect((await read(job.id)).progress).toBe(0);
      now += 1;
      await run.prove();
      expect((await read(job.id)).progress).toBe(40);
      expect(run.progress).toBeNull();

      run.log('INFO', 'row 6 done');
      await run.flushLogs();
      expect((await read(job.id)).hasErrors).toBe(false);
      run.log('ERROR', 'row 7 failed');
      await run.flushLogs();
      const written = await read(job.id);
      expect(written).toMatchObject({ hasErrors: true, progress: 40, leaseExpiresAt: now + LEASE_MS });
      // Written once: the next proof only reads again.
      now += 1;
      await run.prove();
      expect((await read(job.id)).leaseExpiresAt).toBe(written.leaseExpiresAt);
      expect(run.controller.signal.aborted).toBe(false);
    });

    it('writes held-back progress at a boundary that may park, however recent the last write', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      run.reportProgress(70);
      await run.boundary();
      expect((await read(job.id)).progress).toBe(0);
      await run.boundary({ mayYield: false });
      expect((await read(job.id)).progress).toBe(70);
    });

    it('raises LeaseLostError and interrupts the run when the lease was taken over', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      await deps().jobs.tryUpdate(job.id, { set: { leaseEpoch: LEASE.epoch + 1 } });
      await expect(run.prove()).rejects.toMatchObject({ code: 'leaseLost' });
      expect([run.interrupt, run.controller.signal.aborted]).toEqual(['leaseLost', true]);
    });

    it('aborts the signal when it finds a stop asked of a stoppable job, and learns of a resume', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      await deps().jobs.tryUpdate(job.id, { set: { status: 'STOPPING' } });
      await run.prove();
      expect(run.controller.signal.reason).toBeInstanceOf(InterruptSignal);
      expect(run.controller.signal.reason).toMatchObject({ interrupt: 'stop' });
      run.adoptAbort();
      expect(run.interrupt).toBe('stop');

      const resumed = await runOf(await place('STOPPING'));
      await deps().jobs.tryUpdate(resumed.record.id, { set: { status: 'RUNNING' } });
      await resumed.prove();
      await resumed.boundary();
      expect(resumed.interrupt).toBeNull();
    });
  });

  describe('an abort of ctx.signal', () => {
    it('becomes the run’s interrupt only when a stop or timeout aborted it, and never replaces one', async () => {
      now = Date.now();
      const quiet = await runOf(await place());
      quiet.adoptAbort();
      const foreign = await runOf(await place());
      foreign.controller.abort(new Error('the job’s own abort'));
      foreign.adoptAbort();
      const stopped = await runOf(await place());
      stopped.controller.abort(new InterruptSignal('timeout'));
      stopped.adoptAbort();
      const already = await runOf(await place());
      already.interrupt = 'leaseLost';
      already.controller.abort(new InterruptSignal('stop'));
      already.adoptAbort();
      expect([quiet.interrupt, foreign.interrupt, stopped.interrupt, already.interrupt]).toEqual([null, null, 'timeout', 'leaseLost']);
    });

    it('comes at the job’s deadline while a step runs, and not once the slice has stopped its timers', async () => {
      now = Date.now();
      const run = await runOf(await place('RUNNING', { deadlineAt: now + 150 }));
      const stopped = await runOf(await place('RUNNING', { deadlineAt: now + 150 }));
      await stopped.stopHeartbeat();
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(run.controller.signal.aborted).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(run.controller.signal.reason).toMatchObject({ interrupt: 'timeout' });
      expect(stopped.controller.signal.aborted).toBe(false);
    });
  });

  describe('waiting for children', () => {
    it('parks the job as waiting, off its lease, with its results so far, when children are still running', async () => {
      now = Date.now();
      const job = await place('RUNNING', { childrenTotal: 2, childrenDone: 1, lostSlices: 2 });
      const run = await runOf(job);
      run.results = { partial: true };
      await expect(run.waitForChildren()).rejects.toMatchObject({ interrupt: 'park' });
      const parked = await read(job.id);
      expect(parked).toMatchObject({ status: 'RUNNING', parked: 'waiting', results: { partial: true }, lostSlices: 0 });
      expect(parked.leaseOwner).toBeUndefined();
      expect([run.interrupt, run.controller.signal.aborted]).toEqual(['park', false]);
    });

    it('goes on when the last child ended after the job was read, proving the lease instead of parking', async () => {
      now = Date.now();
      const job = await place('RUNNING', { childrenTotal: 1, childrenDone: 0 });
      const run = await runOf(job);
      await deps().jobs.tryUpdate(job.id, { set: { childrenDone: 1 } });
      expect(await run.waitForChildren()).toEqual([]);
      expect(await read(job.id)).toMatchObject({ status: 'RUNNING', leaseOwner: LEASE.owner, leaseExpiresAt: now + LEASE_MS });
      expect(run.interrupt).toBeNull();
    });

    it('refuses to wait once the run was interrupted', async () => {
      now = Date.now();
      const run = await runOf(await place('RUNNING', { childrenTotal: 1 }));
      run.interrupt = 'stop';
      await expect(run.waitForChildren()).rejects.toMatchObject({ interrupt: 'stop' });
      await expect(run.spawn('NODE', {})).rejects.toMatchObject({ interrupt: 'stop' });
      await expect(run.sleep('nap', () => now)).rejects.toMatchObject({ interrupt: 'stop' });
      await expect(run.waitForEvent('paid', 'o', 10)).rejects.toMatchObject({ interrupt: 'stop' });
      expect(await checkpointNames(run.record.id)).toEqual([]);
    });
  });

  describe('what a run leaves behind', () => {
    it('skips the last checkpoint of a job without children, and keeps it for a parent', async () => {
      now = Date.now();
      const leaf = await runOf(await place());
      await leaf.step('only', () => 1);
      await leaf.flushFinal();
      expect(await checkpointNames(leaf.record.id)).toEqual([]);

      const parent = await runOf(await place('RUNNING', { childrenTotal: 1, childrenDone: 1 }));
      await parent.step('only', () => 1);
      await parent.flushFinal();
      expect(await checkpointNames(parent.record.id)).toEqual(['only']);
    });
  });

  describe('a sleep', () => {
    it('refuses a wake-up time that is not finite or past year 275760, storing nothing', async () => {
      now = Date.now();
      const job = await place();
      await expect((await runOf(job)).sleep('nap', () => Number.NaN)).rejects.toThrow('sleep "nap" needs a finite time before year 275760');
      await expect((await runOf(job)).sleep('nap', () => 8.64e15 + 1)).rejects.toBeInstanceOf(NonRetriableError);
      expect(await checkpointNames(job.id)).toEqual([]);
    });

    it('returns at once for a wake-up time already past, with the time stored as its checkpoint', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      await run.sleep('nap', () => now);
      expect((await deps().checkpoints.load(job.id)).get('nap')?.result).toEqual({ wakeAt: now });
      expect((await read(job.id)).status).toBe('RUNNING');
    });

    it('parks the job until its wake-up time, or its deadline if sooner, holding no lease', async () => {
      now = Date.now();
      const job = await place('RUNNING', { deadlineAt: now + 60_000 });
      const run = await runOf(job);
      await expect(run.sleep('nap', () => now + 3_600_000)).rejects.toMatchObject({ interrupt: 'park' });
      const parked = await read(job.id);
      expect(parked).toMatchObject({ status: 'RUNNING', sleepingUntil: now + 60_000 });
      expect(parked.leaseOwner).toBeUndefined();
      expect((await deps().checkpoints.load(job.id)).get('nap')?.result).toEqual({ wakeAt: now + 3_600_000 });
    });
  });

  it('sleeps until the time stored by the slice before, not a new one', async () => {
    now = Date.now();
    const job = await place();
    const run = await runOf(job, [{ name: 'nap', result: { wakeAt: now + 5_000 }, spawnSeq: 0 }]);
    let asked = 0;
    await expect(
      run.sleep('nap', () => {
        asked++;
        return now + 60_000;
      }),
    ).rejects.toMatchObject({ interrupt: 'park' });
    expect([asked, (await read(job.id)).sleepingUntil]).toEqual([0, now + 5_000]);
  });

  it('parks with the results so far, past the slice budget, and up to the last time a Date holds', async () => {
    now = Date.now();
    const job = await place('RUNNING', { lostSlices: 1 });
    const run = await runOf(job);
    run.results = { rows: 4 };
    now += BUDGET_MS + 1;
    await expect(run.sleep('nap', () => 8.64e15)).rejects.toMatchObject({ interrupt: 'park' });
    expect([run.interrupt, run.controller.signal.aborted]).toEqual(['park', false]);
    expect(await read(job.id)).toMatchObject({ sleepingUntil: 8.64e15, results: { rows: 4 }, lostSlices: 0 });
  });

  it('does not park a job that cannot stop while a stop is asked: the slice yields and the sleep comes again', async () => {
    now = Date.now();
    const job = await place('STOPPING', { type: 'STUBBORN' });
    const run = await runOf(job, [], STUBBORN);
    await expect(run.sleep('nap', () => now + 60_000)).rejects.toMatchObject({ interrupt: 'yield' });
    const after = await read(job.id);
    expect([after.status, after.sleepingUntil, after.leaseOwner]).toEqual(['STOPPING', undefined, LEASE.owner]);
  });

  describe('a wait for an event', () => {
    it('refuses a timeout that is not a whole number of milliseconds of at least 1', async () => {
      now = Date.now();
      const job = await place();
      for (const timeoutMs of [0, 1.5, Number.NaN]) {
        await expect((await runOf(job)).waitForEvent('paid', 'order-1', timeoutMs)).rejects.toThrow(
          'waitForEvent "paid" needs a timeoutMs of a whole number of ms ≥ 1',
        );
      }
      expect(await checkpointNames(job.id)).toEqual([]);
    });

    it('answers from the slice before’s checkpoint without looking again', async () => {
      now = Date.now();
      const run = await runOf(await place(), [{ name: 'event:paid:o-2', result: { data: { n: 5 }, eventId: 'e-1' }, spawnSeq: 0 }]);
      expect(await run.waitForEvent('paid', 'o-2', 1)).toEqual({ n: 5 });
    });

    it('times out at the end the first wait stored, with null', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job, [{ name: 'event:paid:o-3#began', result: { since: now - 10_000, until: now - 1 }, spawnSeq: 0 }]);
      expect(await run.waitForEvent('paid', 'o-3', 60_000)).toBeNull();
      expect((await deps().checkpoints.load(job.id)).get('event:paid:o-3#began')?.result).toEqual({ since: now - 10_000, until: now - 1 });
    });

    it('parks until its timeout when no event has come, storing when it began', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      await expect(run.waitForEvent('paid', 'o-4', 5_000)).rejects.toMatchObject({ interrupt: 'park' });
      expect((await deps().checkpoints.load(job.id)).get('event:paid:o-4#began')?.result).toEqual({ since: now, until: now + 5_000 });
      const parked = await read(job.id);
      expect(parked).toMatchObject({ eventWait: { name: 'paid', key: 'o-4', until: now + 5_000 }, gsi5sk: delayedSortKey(now + 5_000, job.id) });
      expect(parked.leaseOwner).toBeUndefined();
    });

    it('names the n-th wait for one name and key apart, so each is its own checkpoint', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      await stack.engine.sendEvent({ tenant: 'acme', name: 'paid', key: 'order-1', data: { n: 1 } });
      now += 1;
      await stack.engine.sendEvent({ tenant: 'acme', name: 'paid', key: 'order-1', data: { n: 2 } });
      expect(await run.waitForEvent('paid', 'order-1', 60_000)).toEqual({ n: 1 });
      expect(await run.waitForEvent('paid', 'order-1', 60_000)).toEqual({ n: 2 });
      expect(await checkpointNames(job.id)).toEqual(['event:paid:order-1', 'event:paid:order-1#2', 'event:paid:order-1#2#began', 'event:paid:order-1#began']);
    });
  });
});
