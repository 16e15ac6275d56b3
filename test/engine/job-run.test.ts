import { describe, expect, it, vi } from 'vitest';
import { NonRetriableError } from '@stint/sdk';
import { InterruptSignal } from '@stint/core/engine/job-run';
import { setCrashPointHook } from '@stint/core/crash-points';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { loggedLines } from '../support/jobs.ts';
import { BUDGET_MS, LEASE, LEASE_MS, STUBBORN, jobRunStack } from '../support/job-runs.ts';

/**
 * One slice's bookkeeping (packages/core/src/engine/job-run.ts), driven by hand on a job placed
 * RUNNING under a lease (test/support/job-runs.ts): what a step runs and replays, when its
 * checkpoint is written, what a boundary writes and which interrupt it raises, and what the
 * lease proof writes or only reads. Its replays: job-run-replay.test.ts; its parks and waits:
 * job-run-waits.test.ts; its timers: job-run-timers.test.ts.
 */
describe.each(DYNAMO_BACKENDS)('a job run on %s', (backend) => {
  let now = Date.now();
  const { deps, read, place, runOf, checkpointNames } = jobRunStack(backend, () => now);

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

    it('refuses a step named like the marker a sleep or an event wait keeps beside its own checkpoint, whichever comes first', async () => {
      now = Date.now();
      const stepFirst = await runOf(await place());
      await stepFirst.step('nap#passed', () => 1);
      await expect(stepFirst.sleep('nap', () => now)).rejects.toThrow('step name "nap#passed" is used twice in one run');
      // The refused sleep claimed nothing: its own name is still free.
      await expect(stepFirst.step('nap', () => 2)).resolves.toBe(2);

      const sleepFirst = await runOf(await place());
      // Already due, so the run goes on past it.
      await sleepFirst.sleep('nap', () => now);
      await expect(sleepFirst.step('nap#passed', () => 1)).rejects.toBeInstanceOf(NonRetriableError);

      const eventWait = await runOf(await place());
      await eventWait.step('event:order:7#began', () => 1);
      await expect(eventWait.waitForEvent('order', '7', 1_000)).rejects.toThrow('step name "event:order:7#began" is used twice in one run');
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
      now += 1;
      await run.boundary();
      expect([await loggedLines(deps().jobs, job.id), (await read(job.id)).leaseExpiresAt]).toEqual([[], job.leaseExpiresAt]);
      await run.boundary({ mayYield: false });
      expect((await loggedLines(deps().jobs, job.id)).map((line) => line.message)).toEqual(['held']);
      expect((await read(job.id)).leaseExpiresAt).toBe(job.leaseExpiresAt);
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

      // Lines alone are no reason to renew the lease, nor to read the job again.
      const renewed = (await read(job.id)).leaseExpiresAt;
      now += 1;
      run.log('INFO', 'row 6 done');
      const reads = vi.spyOn(deps().jobs, 'get');
      await run.flushLogs();
      expect(reads).not.toHaveBeenCalled();
      reads.mockRestore();
      expect(await read(job.id)).toMatchObject({ hasErrors: false, leaseExpiresAt: renewed });
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

    it('lets the acquire’s write prove the first boundary within 100 ms: a one-step run reads nothing, and a stop asked since is seen one step later', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      const reads = vi.spyOn(deps().jobs, 'get');
      await deps().jobs.tryUpdate(job.id, { set: { status: 'STOPPING' } });
      now += 99;
      expect(await run.step('only', () => 1)).toBe(1);
      expect([reads.mock.calls.length, run.interrupt]).toEqual([0, null]);
      await expect(run.boundary()).rejects.toMatchObject({ interrupt: 'stop' });
      expect(reads).toHaveBeenCalledTimes(1);
      reads.mockRestore();
    });

    it('reads at a first boundary 100 ms after the acquire, and sees a stop asked since', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      await deps().jobs.tryUpdate(job.id, { set: { status: 'STOPPING' } });
      now += 100;
      await expect(run.step('first', () => 1)).rejects.toMatchObject({ interrupt: 'stop' });
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
    it('writes the children it spawned, counted on the job, before the job ends', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      const childId = await run.spawn('NODE', { n: 1 });
      await run.flushOutputs();
      expect(await read(job.id)).toMatchObject({ spawned: 1, childrenTotal: 1 });
      expect(await deps().jobs.get(childId)).toMatchObject({ parentId: job.id, rootId: job.rootId, data: { n: 1 } });
    });

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
});
