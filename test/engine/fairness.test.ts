import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { createTestStack, startEmulators, type Emulators } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { eventually } from '../support/gate.ts';

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
        const job = await stack.engine.deps.jobs.get(a.id);
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

  it('dispatches low-priority work only when normal work is not waiting', async () => {
    const stack = await createTestStack(emulators, { definitions: [FAN_OUT, LEAF], tuning: { maxInFlightPerRoot: 2 } });
    try {
      const normal = (await stack.engine.submit({ type: 'FAN_OUT', tenant: 'acme', data: { children: 30 } })).job;
      await stack.runUntil(async () => (await stack.engine.deps.jobs.get(normal.id))?.parked === 'waiting');
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
