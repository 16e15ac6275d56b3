import { expect } from 'vitest';
import { concurrencyKeyItem } from '@stint/core/store/table-keys';
import { engineInternals } from '@stint/core/testing';
import { expectStepsRan, type CrashCase, type CrashHarness } from '../support/crash-harness.ts';

/**
 * The per-key concurrency crash points' cases (crash-points.test.ts runs them with the others).
 * LIMITED_STEPS runs one job per key at a time, so a slot a crash left held would keep every
 * later job of its key waiting for good: each case ends with every job of the key FINISHED
 * and no slot held. Expected states are written here.
 */
const limited = (key: string, steps: number, ms: number) => ({ type: 'LIMITED_STEPS', tenant: 'acme', data: { steps, ms, key } });

async function finished(h: CrashHarness, ...ids: string[]) {
  for (const id of ids) if ((await h.job(id))?.status !== 'FINISHED') return false;
  return true;
}

async function holders(h: CrashHarness, key: string) {
  return (await engineInternals(h.stack.engine).deps.jobs.getItem(concurrencyKeyItem('acme', 'LIMITED_STEPS', key)))?.holders;
}

/**
 * A job of `key` submitted here, in this process: it takes the key's only slot and is claimed,
 * its message queued for whichever process polls first (the doomed one).
 */
async function holding(h: CrashHarness, key: string, ms: number) {
  const { job } = await h.stack.engine.submit(limited(key, 2, ms));
  expect((await h.job(job.id))?.concurrencySlot).toBeDefined();
  return job.id;
}

export const CONCURRENCY_CASES: CrashCase[] = [
  {
    title: 'a slot taken by a submit that died before writing its job is dropped, and the submit’s retry runs the job',
    point: 'concurrency.slotTaken',
    async run(h) {
      const input = { ...limited('submitted', 2, 20), idempotencyKey: 'k-slot' };
      const id = await h.crashAt('concurrency.slotTaken', { kind: 'submit', input });
      expect(await h.job(id!)).toBeUndefined();
      expect([...((await holders(h, 'submitted')) as Set<string>)]).toHaveLength(1);
      expect(await h.stack.engine.submit(input)).toMatchObject({ created: true, job: { id } });
      await h.recover(() => finished(h, id!));
      expectStepsRan(await h.steps(id!), ['s0', 's1']);
      expect(await holders(h, 'submitted')).toBeUndefined();
    },
  },
  {
    title: 'a slot taken by a dispatch that died before its claim is dropped, and the job runs',
    point: 'concurrency.slotTaken',
    async run(h) {
      // Low priority: through its ready set, so the pump takes the slot.
      const id = await h.crashAt('concurrency.slotTaken', { kind: 'submit', input: { ...limited('taken', 2, 20), lowPriority: true } });
      // The job is still ready and the key's only slot held by nobody in flight.
      expect((await h.job(id!))?.gsi5pk).toMatch(/^R#/);
      expect([...((await holders(h, 'taken')) as Set<string>)]).toHaveLength(1);
      await h.recover(() => finished(h, id!));
      expectStepsRan(await h.steps(id!), ['s0', 's1']);
      expect(await holders(h, 'taken')).toBeUndefined();
    },
  },
  ...(['concurrency.keyMarked', 'concurrency.blocked'] as const).map(
    (point): CrashCase => ({
      title: `a job finding its key full, killed at ${point}, runs once the holder has ended`,
      point,
      async run(h) {
        const first = await holding(h, point, 1_000);
        const second = await h.crashAt(point, { kind: 'submit', input: limited(point, 2, 20) });
        const waiting = (await h.job(second!))!;
        expect(waiting.status).toBe('PENDING');
        if (point === 'concurrency.blocked') expect(waiting.concurrencyWait).toMatchObject({ key: point, limit: 1 });
        await h.recover(() => finished(h, first, second!));
        expectStepsRan(await h.steps(first), ['s0', 's1'], 1);
        expectStepsRan(await h.steps(second!), ['s0', 's1']);
        expect(await holders(h, point)).toBeUndefined();
      },
    }),
  ),
  {
    title: 'a job waiting for a slot given back by a process that died before waking it is woken by the sweeper',
    point: 'concurrency.released',
    async run(h) {
      const first = await holding(h, 'released', 20);
      const { job: second } = await h.stack.engine.submit(limited('released', 2, 20));
      expect((await h.job(second.id))?.concurrencyWait).toEqual({ key: 'released', limit: 1, since: expect.any(Number) });
      // The doomed process runs the holder to its end and gives its slot back.
      await h.crashAt('concurrency.released', { kind: 'run' }, { jobType: 'LIMITED_STEPS' });
      expect((await h.job(first))?.status).toBe('FINISHED');
      expect((await h.job(second.id))?.gsi5pk).toMatch(/^B#/);
      await h.recover(() => finished(h, second.id));
      expectStepsRan(await h.steps(second.id), ['s0', 's1']);
      expect((await h.job(second.id))?.concurrencyWait).toBeUndefined();
    },
  },
  {
    title: 'a slot held by a job that ended in a process killed before giving it back is dropped by the sweeper, and the next job runs',
    point: 'slice.ended',
    async run(h) {
      const first = await holding(h, 'ended', 20);
      const { job: second } = await h.stack.engine.submit(limited('ended', 2, 20));
      await h.crashAt('slice.ended', { kind: 'run' }, { jobType: 'LIMITED_STEPS' });
      expect((await h.job(first))?.status).toBe('FINISHED');
      expect([...((await holders(h, 'ended')) as Set<string>)]).toHaveLength(1);
      await h.recover(() => finished(h, second.id));
      expectStepsRan(await h.steps(second.id), ['s0', 's1']);
      expect(await holders(h, 'ended')).toBeUndefined();
    },
  },
];
