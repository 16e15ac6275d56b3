import { afterEach, describe, expect, it, vi } from 'vitest';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { loggedLines } from '../support/jobs.ts';
import { LEASE, LEASE_MS, jobRunStack } from '../support/job-runs.ts';

/** A renewal is due every third of the lease (proof-schedule.ts, `renewEveryMs`). */
const BEAT_MS = LEASE_MS / 3;

/**
 * What one slice's run (packages/core/src/engine/job-run.ts) does on its timers, driven by
 * hand on a job placed RUNNING under a lease (test/support/job-runs.ts): the heartbeat that
 * renews the lease and the message's visibility while a step runs, and the log buffer's timer.
 * Only the timer under test is faked, so the emulators' requests run on real time.
 */
describe.each(DYNAMO_BACKENDS)('a job run’s timers on %s', (backend) => {
  let now = Date.now();
  const { stack, deps, read, place, runOf } = jobRunStack(backend, () => now);
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
  const warnings = (jobId: string) => stack().events.filter((event) => event.type === 'warning' && event.jobId === jobId);

  describe('the heartbeat', () => {
    it('renews the lease and the message’s visibility every third of the lease, and nothing once stopped', async () => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      let extended = 0;
      run.startHeartbeat(async () => void extended++);
      now += 1_000;
      vi.advanceTimersByTime(BEAT_MS - 1);
      expect(extended).toBe(0);
      vi.advanceTimersByTime(1);
      expect(extended).toBe(1);
      // The beat's renewal is a write whatever the test's clock says (a step keeps the loop busy).
      await vi.waitFor(async () => expect((await read(job.id)).leaseExpiresAt).toBe(now + LEASE_MS));
      vi.advanceTimersByTime(BEAT_MS);
      expect(extended).toBe(2);
      await run.stopHeartbeat();
      vi.advanceTimersByTime(3 * BEAT_MS);
      expect(extended).toBe(2);
      expect(warnings(job.id)).toEqual([]);
      expect(run.interrupt).toBeNull();
    });

    it('renews the lease alone when there is no message to keep hidden', async () => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      run.startHeartbeat();
      now += 2_000;
      vi.advanceTimersByTime(BEAT_MS);
      await run.stopHeartbeat();
      expect(await read(job.id)).toMatchObject({ leaseOwner: LEASE.owner, leaseExpiresAt: now + LEASE_MS });
    });

    it('swallows a renewal that finds the lease taken, interrupting the run, and warns of a failed visibility extension', async () => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      await deps().jobs.tryUpdate(job.id, { set: { leaseEpoch: LEASE.epoch + 1 } });
      const error = new Error('the queue is away');
      run.startHeartbeat(() => Promise.reject(error));
      vi.advanceTimersByTime(BEAT_MS);
      // The beat in flight settles without rejecting: the slice's end waits for it.
      await expect(run.stopHeartbeat()).resolves.toBeUndefined();
      expect([run.interrupt, run.controller.signal.aborted]).toEqual(['leaseLost', true]);
      expect(warnings(job.id)).toEqual([{ type: 'warning', message: 'visibility extension failed', jobId: job.id, error }]);
    });
  });

  describe('the log timer', () => {
    it('warns, naming the job, when the lines its timer writes are refused, and the slice goes on', async () => {
      now = Date.now();
      const job = await place();
      const run = await runOf(job);
      const error = new Error('the table is away');
      vi.spyOn(deps().logs, 'append').mockRejectedValueOnce(error);
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      run.log('INFO', 'lost with its chunk');
      vi.advanceTimersByTime(1_000);
      vi.useRealTimers();
      run.log('INFO', 'written');
      await expect(run.flushLogs()).resolves.toBeUndefined();
      expect(warnings(job.id)).toEqual([{ type: 'warning', message: 'log lines could not be written', jobId: job.id, error }]);
      expect((await loggedLines(deps().jobs, job.id)).map((line) => line.message)).toEqual(['written']);
    });
  });
});
