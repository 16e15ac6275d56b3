import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobRecord } from '@stint/core/job-record';
import { startDelayed } from '@stint/core/engine/delayed-start';
import { findEvent } from '@stint/core/engine/events';
import { rootLaneKey } from '@stint/core/store/table-keys';
import { encodeWorkMessage, type WorkQueue } from '@stint/core/work-queue';
import { engineInternals } from '@stint/core/testing';
import { createTestStack, startEmulators, uniqueName, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { gate } from '../support/gate.ts';

/**
 * The delayed set (delayed-start.ts): a durable sleep, a wait for an event and a job asked to
 * start later park there holding no worker, due at the sleep's end, the wait's timeout or the
 * runAt. A wake-up message held back until then, an event, or the sweeper makes the job ready
 * once it is due, never before, and only while it is still delayed; a resume before runAt
 * waits for it again. The engine's clock is the test's and slices are run by hand, so the
 * times are exact; the work queue's sends are watched to see the wake-ups asked of SQS.
 */
const QUICK = defineJob({ type: 'QUICK', run: async () => ({}) });
const NAPPER = defineJob<{ ms: number }>({
  type: 'NAPPER',
  async run(ctx) {
    await ctx.sleep('nap', ctx.data.ms);
    await ctx.step('after', () => null);
  },
});
const WAITER = defineJob<{ key: string; timeoutMs: number }>({
  type: 'WAITER',
  run: async (ctx) => ({ got: await ctx.waitForEvent('ping', { key: ctx.data.key, timeoutMs: ctx.data.timeoutMs }) }),
});
/** Held inside its first step (`entered` opens then) until the test opens `held`, then sleeps. */
let entered = gate();
let held = gate();
const HELD_NAPPER = defineJob({
  type: 'HELD_NAPPER',
  async run(ctx) {
    await ctx.step('hold', () => {
      entered.open();
      return held.opened;
    });
    await ctx.sleep('nap', 1_000);
  },
});
/** The test stack's lease: a slice held past it looks dead to the sweeper. */
const LEASE_MS = 10_000;
/** SQS's longest delay: a sleep due later is left to the sweeper. */
const MAX_DELAY_MS = 900_000;

describe.each(DYNAMO_BACKENDS)('the delayed set on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  let now = Date.now();
  let sends: MockInstance<WorkQueue['send']>;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [QUICK, NAPPER, WAITER, HELD_NAPPER], clock: () => now });
    sends = vi.spyOn(engineInternals(stack.engine).deps.queue, 'send');
  });
  afterAll(async () => {
    sends?.mockRestore();
    await emulators?.stop();
  });

  const jobs = () => engineInternals(stack.engine).deps.jobs;
  const stored = async (id: string) => (await jobs().get(id))!;
  /** Runs one work message for the job by hand; its outcome. */
  const slice = async (job: { id: string; rootId: string }) =>
    (await stack.engine.processBatch([{ body: encodeWorkMessage({ jobId: job.id, rootId: job.rootId, tenant: 'acme' }) }])).outcomes;
  /** The delays (s) of the held-back messages sent for the job: its wake-ups. */
  const wakeUps = (id: string) => sends.mock.calls.filter(([, message, delay]) => message.jobId === id && (delay ?? 0) > 0).map(([, , delay]) => delay);
  /** The delayed set's sort key: the due time, padded to 13 digits, then the id. */
  const dueKey = (at: number, id: string) => `${String(at).padStart(13, '0')}#${id}`;

  async function parked(type: string, data: Record<string, unknown>): Promise<JobRecord> {
    const { job } = await stack.engine.submit({ type, tenant: 'acme', data });
    expect(await slice(job)).toEqual(['parked']);
    return stored(job.id);
  }

  it('parks a sleep in the delayed set, lease released, and wakes it at its end, not a millisecond before', async () => {
    now = Date.now();
    const sleeping = await parked('NAPPER', { ms: 2_500 });
    expect(sleeping).toMatchObject({ status: 'RUNNING', sleepingUntil: now + 2_500, gsi5sk: dueKey(now + 2_500, sleeping.id) });
    expect(sleeping.gsi5pk).toMatch(/^N#\d+$/);
    for (const gone of ['eventWait', 'leaseOwner', 'leaseExpiresAt', 'dispatchedAt'] as const) expect(sleeping[gone]).toBeUndefined();
    expect(wakeUps(sleeping.id)).toEqual([2.5]);

    now += 2_499;
    expect(await slice(sleeping)).toEqual(['skipped']);
    expect(await stored(sleeping.id)).toMatchObject({ sleepingUntil: sleeping.sleepingUntil, gsi5pk: sleeping.gsi5pk });

    now += 1;
    expect(await slice(sleeping)).toEqual(['woken']);
    const woken = await stored(sleeping.id);
    expect(woken.sleepingUntil).toBeUndefined();
    // Made ready, then dispatched at once: its root has free slots.
    expect([woken.status, woken.gsi5pk?.[0], woken.dispatchedAt]).toEqual(['RUNNING', 'I', now]);
    expect(await slice(sleeping)).toEqual(['finished']);
  });

  it('asks SQS for a wake-up only for a sleep due within its longest delay', async () => {
    now = Date.now();
    const atTheLimit = await parked('NAPPER', { ms: MAX_DELAY_MS });
    expect(wakeUps(atTheLimit.id)).toEqual([900]);
    const past = await parked('NAPPER', { ms: MAX_DELAY_MS + 1 });
    expect(past.sleepingUntil).toBe(now + MAX_DELAY_MS + 1);
    expect(wakeUps(past.id)).toEqual([]);

    // The sweeper wakes the longer one when due.
    now += MAX_DELAY_MS;
    await stack.engine.sweep();
    expect((await stored(past.id)).sleepingUntil).toBe(past.sleepingUntil);
    now += 1;
    await stack.engine.sweep();
    expect((await stored(past.id)).sleepingUntil).toBeUndefined();
  });

  it('parks a wait for an event until its timeout, and the event wakes it at once, once', async () => {
    now = Date.now();
    const key = uniqueName('k');
    const waiting = await parked('WAITER', { key, timeoutMs: 5_000 });
    expect(waiting).toMatchObject({ status: 'RUNNING', eventWait: { name: 'ping', key, until: now + 5_000 }, gsi5sk: dueKey(now + 5_000, waiting.id) });
    expect(waiting.gsi5pk).toMatch(/^N#\d+$/);
    expect(waiting.sleepingUntil).toBeUndefined();
    expect(wakeUps(waiting.id)).toEqual([5]);

    now += 4_999;
    expect(await slice(waiting)).toEqual(['skipped']);
    expect((await stack.engine.sendEvent({ tenant: 'acme', name: 'ping', key, data: { n: 1 } })).woken).toBe(1);
    const woken = await stored(waiting.id);
    expect(woken.eventWait).toBeUndefined();
    expect(woken.gsi5pk?.[0]).toBe('I');
    // Woken already: a second event, sent in the same millisecond, finds the job no longer
    // waiting, and the job takes the first.
    expect((await stack.engine.sendEvent({ tenant: 'acme', name: 'ping', key, data: { n: 2 } })).woken).toBe(0);
    expect(await slice(waiting)).toEqual(['finished']);
    expect((await stack.engine.get(waiting.id, { tenant: 'acme' })).results).toEqual({ got: { n: 1 } });
  });

  it('wakes an unanswered wait at its timeout, its wake-up held back at least a second', async () => {
    now = Date.now();
    const waiting = await parked('WAITER', { key: uniqueName('k'), timeoutMs: 400 });
    expect(waiting.eventWait?.until).toBe(now + 400);
    expect(wakeUps(waiting.id)).toEqual([1]);

    now += 399;
    expect(await slice(waiting)).toEqual(['skipped']);
    now += 1;
    expect(await slice(waiting)).toEqual(['woken']);
    expect((await stored(waiting.id)).eventWait).toBeUndefined();
    expect(await slice(waiting)).toEqual(['finished']);
  });

  it('takes events sent in one millisecond in the order they were sent, whatever their ids', async () => {
    now = Date.now();
    const key = uniqueName('k');
    // Ids sorting opposite to the order of sending.
    for (let n = 1; n <= 5; n++) await stack.engine.sendEvent({ tenant: 'acme', name: 'ping', key, id: `e${6 - n}`, data: { n } });
    const { deps, dispatcher } = engineInternals(stack.engine);
    const ctx = { deps, dispatcher, counters: deps.counters.batch() };
    const taken = new Set<string>();
    const order: unknown[] = [];
    for (let event = await findEvent(ctx, 'acme', 'ping', key, now, taken); event; event = await findEvent(ctx, 'acme', 'ping', key, now, taken)) {
      taken.add(event.id);
      order.push(JSON.parse(event.data).n);
    }
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it('makes a job asked to start later ready at its runAt, not before, and it has not started', async () => {
    now = Date.now();
    const runAt = now + 60_000;
    const { job } = await stack.engine.submit({ type: 'QUICK', tenant: 'acme', runAt });
    now = runAt - 1;
    expect(await slice(job)).toEqual(['skipped']);
    expect((await stored(job.id)).gsi5pk).toMatch(/^N#\d+$/);

    now = runAt;
    expect(await slice(job)).toEqual(['woken']);
    const ready = await stored(job.id);
    expect([ready.status, ready.runAt, ready.startDate, ready.gsi5pk?.[0]]).toEqual(['PENDING', runAt, undefined, 'I']);
    expect(await slice(job)).toEqual(['finished']);
  });

  it('does not start a job that left the delayed set meanwhile: woken by another, or stopped', async () => {
    now = Date.now();
    const { deps, dispatcher } = engineInternals(stack.engine);
    const ctx = { deps, dispatcher, counters: deps.counters.batch() };

    // A second sweeper or wake-up message holding the record read before the first woke it.
    const first = await parked('NAPPER', { ms: 1_000 });
    now += 1_000;
    expect(await startDelayed(ctx, first)).not.toBeNull();
    const once = await stored(first.id);
    expect(await startDelayed(ctx, first)).toBeNull();
    expect(await stored(first.id)).toEqual(once);

    const second = await parked('NAPPER', { ms: 1_000 });
    expect((await stack.engine.apply('stop', second.id, { tenant: 'acme' }))?.status).toBe('STOPPED');
    now += 1_000;
    expect(await startDelayed(ctx, second)).toBeNull();
    const stopped = await stored(second.id);
    expect([stopped.status, stopped.gsi5pk, stopped.sleepingUntil]).toEqual(['STOPPED', undefined, undefined]);
  });

  it('takes a sleep out of flight even when its slice outlived its lease and its message was resent', async () => {
    now = Date.now();
    [entered, held] = [gate(), gate()];
    const { job } = await stack.engine.submit({ type: 'HELD_NAPPER', tenant: 'acme' });
    const running = slice(job);
    // Inside the step, past the boundary that would yield once the slice's budget is spent.
    await entered.opened;
    // The worker looks dead to the sweeper, which sends the job's message again.
    now += LEASE_MS + 1;
    await stack.engine.sweep();
    expect((await stored(job.id)).dispatchedAt).toBe(now);

    held.open();
    expect(await running).toEqual(['parked']);
    const sleeping = await stored(job.id);
    expect(sleeping.gsi5pk).toMatch(/^N#\d+$/);
    expect(sleeping.dispatchedAt).toBeUndefined();
    // The resent message finds it asleep.
    expect(await slice(job)).toEqual(['skipped']);
  });

  describe('a resume', () => {
    /** A root asked to start at `runAt`, stopped before it. */
    async function stoppedBefore(runAt: number) {
      const { job } = await stack.engine.submit({ type: 'QUICK', tenant: 'acme', runAt });
      expect((await stack.engine.apply('stop', job.id, { tenant: 'acme' }))?.status).toBe('STOPPED');
      return job;
    }

    it('before runAt waits for it again in the delayed set, taking no place in its lane', async () => {
      now = Date.now();
      const runAt = now + 60_000;
      const job = await stoppedBefore(runAt);
      now = runAt - 1;
      expect((await stack.engine.apply('resume', job.id, { tenant: 'acme' }))?.status).toBe('PENDING');
      const waiting = await stored(job.id);
      expect(waiting.gsi5pk).toMatch(/^N#\d+$/);
      expect(waiting.gsi5sk).toBe(dueKey(runAt, job.id));
      expect(waiting.dispatchedAt).toBeUndefined();
      // The sweeper makes it ready when due; until then its root is in no lane.
      expect((await jobs().getItem(rootLaneKey(job.id, 'normal')))?.gsi5pk).toBeUndefined();

      await stack.engine.sweep();
      expect((await stored(job.id)).gsi5pk).toBe(waiting.gsi5pk);
      now = runAt;
      await stack.engine.sweep();
      expect((await stored(job.id)).gsi5pk?.[0]).toBe('I');
    });

    it.each([
      ['at', 0],
      ['after', 1],
    ])('%s runAt goes straight back to work', async (_when, late) => {
      now = Date.now();
      const runAt = now + 60_000;
      const job = await stoppedBefore(runAt);
      now = runAt + late;
      await stack.engine.apply('resume', job.id, { tenant: 'acme' });
      const resumed = await stored(job.id);
      expect([resumed.status, resumed.gsi5pk?.[0], resumed.dispatchedAt]).toEqual(['PENDING', 'I', now]);
      expect(await slice(job)).toEqual(['finished']);
    });
  });
});
