import { afterEach, describe, expect, it, vi } from 'vitest';
import { NonRetriableError } from '@stint/sdk';
import { InterruptSignal } from '@stint/core/engine/job-run';
import { delayedPartition, delayedSortKey } from '@stint/core/store/table-keys';
import { setCrashPointHook } from '@stint/core/crash-points';
import { loggedLines } from '../support/jobs.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { BUDGET_MS, LEASE, STUBBORN, jobRunStack } from '../support/job-runs.ts';

/**
 * Where one slice's run (packages/core/src/engine/job-run.ts) parks or stops early, driven by
 * hand on a job placed RUNNING under a lease (test/support/job-runs.ts): an abort of
 * ctx.signal, a wait for children, a sleep and a wait for an event.
 */
describe.each(DYNAMO_BACKENDS)('a job run’s parks and waits on %s', (backend) => {
  let now = Date.now();
  const { stack, deps, read, place, runOf, checkpointNames } = jobRunStack(backend, () => now);
  afterEach(() => vi.restoreAllMocks());

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
      // The timer runs on real time from the run's start (the test's clock stands still): a
      // second is far more than the few awaits below take, even on a loaded machine.
      const [first, second] = [await place('RUNNING', { deadlineAt: now + 1_000 }), await place('RUNNING', { deadlineAt: now + 1_000 })];
      const stopped = await runOf(second);
      await stopped.stopHeartbeat();
      const run = await runOf(first);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(run.controller.signal.aborted).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
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
      // A spent budget is no reason to yield instead: the parent would wait in its children's line.
      now += BUDGET_MS + 1;
      await expect(run.waitForChildren()).rejects.toMatchObject({ interrupt: 'park' });
      const parked = await read(job.id);
      expect(parked).toMatchObject({ status: 'RUNNING', parked: 'waiting', results: { partial: true }, lostSlices: 0 });
      expect(parked.leaseOwner).toBeUndefined();
      expect([run.interrupt, run.controller.signal.aborted]).toEqual(['park', false]);
    });

    it('goes on at once when its children have all ended, writing nothing', async () => {
      now = Date.now();
      const job = await place('RUNNING', { childrenTotal: 1, childrenDone: 1 });
      const run = await runOf(job);
      run.log('INFO', 'held');
      now += 1;
      expect(await run.waitForChildren()).toEqual([]);
      expect((await read(job.id)).leaseExpiresAt).toBe(job.leaseExpiresAt);
      expect(await loggedLines(deps().jobs, job.id)).toEqual([]);
    });

    it('goes on when the last child ended after the job was read, reading the job again instead of parking', async () => {
      now = Date.now();
      const job = await place('RUNNING', { childrenTotal: 1, childrenDone: 0 });
      const run = await runOf(job);
      await deps().jobs.tryUpdate(job.id, { set: { childrenDone: 1 } });
      now += 1;
      expect(await run.waitForChildren()).toEqual([]);
      // No renewal is due: the lease is proven by reads, and stays as it was.
      expect(await read(job.id)).toMatchObject({ status: 'RUNNING', leaseOwner: LEASE.owner, leaseExpiresAt: job.leaseExpiresAt });
      expect([run.interrupt, run.record.childrenDone]).toEqual([null, 1]);
    });

    it('learns of a stop that refused its park, and goes on to end at the next boundary', async () => {
      now = Date.now();
      const job = await place('RUNNING', { childrenTotal: 2, childrenDone: 1 });
      const run = await runOf(job);
      await run.step('before', () => 1);
      // The stop lands once the boundary before the park has stored the step's checkpoint.
      setCrashPointHook(async (point, detail) => {
        if (point === 'slice.checkpointSaved' && detail.jobId === job.id) await deps().jobs.tryUpdate(job.id, { set: { status: 'STOPPING' } });
      });
      expect(await run.waitForChildren()).toEqual([]);
      setCrashPointHook(undefined);
      expect(run.controller.signal.reason).toMatchObject({ interrupt: 'stop' });
      await expect(run.boundary()).rejects.toMatchObject({ interrupt: 'stop' });
      expect((await read(job.id)).parked).toBeUndefined();
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

  describe('a sleep', () => {
    it('refuses a wake-up time that is not finite or past year 275760, storing nothing', async () => {
      now = Date.now();
      const job = await place();
      await expect((await runOf(job)).sleep('nap', () => Number.NaN)).rejects.toThrow('sleep "nap" needs a finite time before year 275760');
      await expect((await runOf(job)).sleep('nap', () => 8.64e15 + 1)).rejects.toBeInstanceOf(NonRetriableError);
      expect(await checkpointNames(job.id)).toEqual([]);
    });

    it('returns at once for a wake-up time already past, storing the time, and that it went on past it at the next boundary', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      await run.sleep('nap', () => now);
      expect((await deps().checkpoints.load(job.id)).get('nap')?.result).toEqual({ wakeAt: now });
      expect(await checkpointNames(job.id)).toEqual(['nap']);
      await run.boundary();
      expect(await checkpointNames(job.id)).toEqual(['nap', 'nap#passed']);
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

    it('parks until its timeout when no event has come, storing when it began, past the slice budget', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      now += BUDGET_MS + 1;
      await expect(run.waitForEvent('paid', 'o-4', 5_000)).rejects.toMatchObject({ interrupt: 'park' });
      expect((await deps().checkpoints.load(job.id)).get('event:paid:o-4#began')?.result).toEqual({ since: now, until: now + 5_000 });
      const parked = await read(job.id);
      expect(parked).toMatchObject({ eventWait: { name: 'paid', key: 'o-4', until: now + 5_000 }, gsi5sk: delayedSortKey(now + 5_000, job.id) });
      expect(parked.leaseOwner).toBeUndefined();
    });

    it('wakes the job at once when the event came while its waiter was being written', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      const put = deps().jobs.put.bind(deps().jobs);
      // The event is sent just before the waiter lands: it finds no waiter to wake.
      vi.spyOn(deps().jobs, 'put').mockImplementationOnce(async (item) => {
        expect((await stack().engine.sendEvent({ tenant: 'acme', name: 'paid', key: 'o-5' })).woken).toBe(0);
        return put(item);
      });
      await expect(run.waitForEvent('paid', 'o-5', 60_000)).rejects.toMatchObject({ interrupt: 'park' });
      const woken = await read(job.id);
      expect([woken.eventWait, woken.gsi5pk === delayedPartition(job.id)]).toEqual([undefined, false]);
    });

    it('names the n-th wait for one name and key apart, so each is its own checkpoint', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      await stack().engine.sendEvent({ tenant: 'acme', name: 'paid', key: 'order-1', data: { n: 1 } });
      now += 1;
      await stack().engine.sendEvent({ tenant: 'acme', name: 'paid', key: 'order-1', data: { n: 2 } });
      expect(await run.waitForEvent('paid', 'order-1', 60_000)).toEqual({ n: 1 });
      expect(await run.waitForEvent('paid', 'order-1', 60_000)).toEqual({ n: 2 });
      expect(await checkpointNames(job.id)).toEqual(['event:paid:order-1', 'event:paid:order-1#2', 'event:paid:order-1#2#began', 'event:paid:order-1#began']);
    });
  });
});
