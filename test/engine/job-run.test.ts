import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineJob, NonRetriableError } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import { setCrashPointHook } from '@stint/core/crash-points';
import { InterruptSignal, JobRun } from '@stint/core/engine/job-run';
import type { JobRecord } from '@stint/core/job-record';
import { newJobId } from '@stint/core/new-job';
import type { Checkpoint } from '@stint/core/store/checkpoint-store';
import { statusIndexKeys } from '@stint/core/store/table-keys';
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
      run.interrupt = 'yield';
      await expect(run.step('later', () => 3)).rejects.toMatchObject({ interrupt: 'yield' });
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
      now += BUDGET_MS;
      await expect(late.boundary()).rejects.toMatchObject({ interrupt: 'timeout' });
    });

    it('honours a stop of a stoppable type only', async () => {
      now = Date.now();
      const stoppable = await runOf(await place('STOPPING'));
      await expect(stoppable.boundary()).rejects.toMatchObject({ interrupt: 'stop' });
      const stubborn = await runOf(await place('STOPPING', { type: 'STUBBORN' }), [], STUBBORN);
      await stubborn.boundary();
      expect(stubborn.interrupt).toBeNull();
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

      run.log('ERROR', 'row 7 failed');
      await run.prove();
      expect(await read(job.id)).toMatchObject({ hasErrors: true, progress: 40 });
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
