import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { Lane } from '@stint/core/job';
import { encodeWorkMessage, type WorkMessage } from '@stint/core/work-queue';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { eventually } from '../support/gate.ts';
import { engineInternals } from '@stint/core/testing';

const FAN_OUT = defineJob<{ children: number }>({
  type: 'FAN_OUT',
  async run(ctx) {
    for (let i = 0; i < ctx.data.children; i++) await ctx.spawn('LEAF', { i });
    await ctx.waitForChildren();
    return { children: ctx.data.children };
  },
});

const LEAF = defineJob({
  type: 'LEAF',
  async run(ctx) {
    await ctx.step('work', () => new Promise((r) => setTimeout(r, 5)));
  },
});

const BOUND = 4;

/** The engine's clock for the ordering test: it moves only when a step says it consumed time. */
function handClock() {
  let now = Date.now();
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** Spawns `children` COSTLY children, each of which consumes `cost` ms of the hand clock. */
const costlyFanOut = defineJob<{ children: number; cost: number }>({
  type: 'COSTLY_FAN_OUT',
  async run(ctx) {
    for (let i = 0; i < ctx.data.children; i++) await ctx.spawn('COSTLY', { cost: ctx.data.cost });
    await ctx.waitForChildren();
  },
});

function costly(clock: ReturnType<typeof handClock>) {
  return defineJob<{ cost: number }>({
    type: 'COSTLY',
    async run(ctx) {
      await ctx.step('work', () => clock.advance(ctx.data.cost));
    },
  });
}

/**
 * A worker the test drives by hand: every work message the engine sends (to the real queue)
 * is recorded, and the test chooses which one runs next. So the order in which the dispatcher
 * hands out slots is observable, one pump at a time.
 */
function handWorker(stack: TestStack) {
  const sent: Array<WorkMessage & { lane: Lane }> = [];
  const done = new Set<number>();
  const queue = engineInternals(stack.engine).deps.queue;
  const send = queue.send.bind(queue);
  queue.send = async (lane, message, delaySeconds) => {
    sent.push({ v: 1, lane, ...message });
    await send(lane, message, delaySeconds);
  };
  return {
    sent,
    /** Runs the oldest message not yet run of `rootId`'s tree. */
    async runNext(rootId: string): Promise<string> {
      const index = sent.findIndex((m, i) => m.rootId === rootId && !done.has(i));
      if (index < 0) throw new Error(`no message of root ${rootId} to run`);
      done.add(index);
      const { outcomes } = await stack.engine.processBatch([{ body: encodeWorkMessage(sent[index]!) }]);
      return outcomes[0] as string;
    },
  };
}

describe.each(DYNAMO_BACKENDS)('fair dispatch per root on %s', (backend) => {
  let emulators: Emulators;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
  });
  afterAll(async () => {
    await emulators?.stop();
  });

  it.each([200, 2_000])('starts root B within a bounded number of slices behind root A’s %i pending children', async (children) => {
    const stack = await createTestStack(emulators, {
      definitions: [FAN_OUT, LEAF],
      tuning: { maxInFlightPerRoot: BOUND, sliceBudgetMs: 60_000 },
      concurrency: 2,
      batchSize: 10,
    });
    try {
      const a = (await stack.engine.submit({ type: 'FAN_OUT', tenant: 'acme', data: { children } })).job;
      await stack.runUntil(async () => {
        const job = await engineInternals(stack.engine).deps.jobs.get(a.id);
        return job?.parked === 'waiting';
      }, 120_000);
      const startsBefore = stack.events.filter((e) => e.type === 'jobStarted').length;

      const b = (await stack.engine.submit({ type: 'LEAF', tenant: 'acme' })).job;
      await eventually(async () => stack.events.some((e) => e.type === 'jobStarted' && e.jobId === b.id), 30_000);

      const started = stack.events.filter((e) => e.type === 'jobStarted');
      const slicesAheadOfB = started.findIndex((e) => e.type === 'jobStarted' && e.jobId === b.id) - startsBefore;
      // Behind B there can only be A's in-flight slices: the per-root bound, plus what the two
      // concurrent poller batches had already received. Independent of A's backlog.
      expect(slicesAheadOfB).toBeLessThanOrEqual(BOUND + 2);

      const aJob = await stack.engine.get(a.id, { tenant: 'acme' });
      expect(aJob.childrenProgress.total).toBe(children);
      expect(aJob.childrenProgress.finished).toBeLessThan(children);
    } finally {
      await stack.stop();
    }
  });

  it('serves waiting roots least virtual time first; a new root enters at the least, not ahead of it', async () => {
    const clock = handClock();
    const stack = await createTestStack(emulators, {
      definitions: [costlyFanOut, costly(clock)],
      clock: clock.now,
      tuning: { maxInFlightPerRoot: 1, sliceBudgetMs: 600_000, leaseMs: 600_000 },
    });
    const worker = handWorker(stack);
    const submit = async (lowPriority: boolean, data: { children: number; cost: number }) => {
      const { job } = await stack.engine.submit({ type: 'COSTLY_FAN_OUT', tenant: 'acme', lowPriority, data });
      clock.advance(1); // ids carry their creation time: the later root has the greater id
      return job.id;
    };

    // Prepare: two low-priority roots; each runs its root slice (spawning) and one child, so
    // A consumes 1 000 ms and B 3 000 ms (plus the 1 ms minimum charge of their root slice).
    const a = await submit(true, { children: 3, cost: 1_000 });
    const b = await submit(true, { children: 3, cost: 3_000 });
    expect(await worker.runNext(a)).toBe('parked');
    expect(await worker.runNext(b)).toBe('parked');
    // Normal work waiting holds the low lane: N's first child is dispatched, its second waits.
    const n = await submit(false, { children: 2, cost: 0 });
    expect(await worker.runNext(n)).toBe('parked');
    expect(await worker.runNext(a)).toBe('finished');
    expect(await worker.runNext(b)).toBe('finished');
    // C arrives while A and B wait for a slot of the low lane.
    const c = await submit(true, { children: 1, cost: 0 });

    // Act: N's children finish; the normal lane empties and the low lane is pumped.
    const mark = worker.sent.length;
    expect(await worker.runNext(n)).toBe('finished');
    expect(await worker.runNext(n)).toBe('finished');

    // Assess: one slot each (bound 1), handed out by consumed time. A (1 001) first; C entered
    // at the lane's least (A's 1 001) and follows it on the tie by id; B (3 001) last.
    // Without charging all three sit at 0 (A, B, C); a new root entering at 0 would go first (C, A, B).
    const name = new Map([
      [a, 'A'],
      [b, 'B'],
      [c, 'C'],
    ]);
    const lowSends = worker.sent
      .slice(mark)
      .filter((m) => m.lane === 'low')
      .map((m) => name.get(m.rootId));
    expect(lowSends).toEqual(['A', 'C', 'B']);
  });

  it('dispatches low-priority work only when normal work is not waiting', async () => {
    const stack = await createTestStack(emulators, { definitions: [FAN_OUT, LEAF], tuning: { maxInFlightPerRoot: 2 } });
    try {
      const normal = (await stack.engine.submit({ type: 'FAN_OUT', tenant: 'acme', data: { children: 30 } })).job;
      await stack.runUntil(async () => (await engineInternals(stack.engine).deps.jobs.get(normal.id))?.parked === 'waiting');
      const low = (await stack.engine.submit({ type: 'LEAF', tenant: 'acme', lowPriority: true })).job;
      await stack.runUntil(async () => {
        const [n, l] = await Promise.all([stack.engine.get(normal.id, { tenant: 'acme' }), stack.engine.get(low.id, { tenant: 'acme' })]);
        return n.status === 'FINISHED' && l.status === 'FINISHED';
      }, 60_000);
      const starts = stack.events.filter((e) => e.type === 'jobStarted' && e.jobType === 'LEAF');
      const normalBeforeLow = starts.findIndex((e) => e.jobId === low.id);
      // Low work waits until the normal lane's ready set is empty: at most the normal root's
      // in-flight slices (bound 2) plus one poller batch's slack can still be ahead of it.
      expect(starts).toHaveLength(31);
      expect(normalBeforeLow).toBeGreaterThanOrEqual(30 - 2 - 2);
    } finally {
      await stack.stop();
    }
  });
});
