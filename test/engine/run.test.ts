import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSummary, summaryListings } from '@stint/core/query/stats-reader';
import { defineJob, NonRetriableError } from '@stint/sdk';
import { createTestStack, startEmulators, type Emulators } from '../support/stack.ts';
import { eventually } from '../support/gate.ts';
import { engineInternals } from '@stint/core/testing';
import { loggedLines } from '../support/jobs.ts';

const SIMPLE = defineJob<{ n: number }>({
  type: 'SIMPLE',
  async run(ctx) {
    const doubled = await ctx.step('double', () => ctx.data.n * 2);
    ctx.log.info('doubled', { doubled });
    ctx.progress(50);
    const tripled = await ctx.step('triple', () => doubled * 3);
    ctx.setResultFile(`exports/${ctx.job.id}.csv`);
    return { tripled };
  },
});

const CHILD = defineJob<{ i: number; fail?: boolean }>({
  type: 'CHILD',
  retry: { maxAttempts: 1 },
  async run(ctx) {
    const value = await ctx.step('work', () => ctx.data.i * 10);
    if (ctx.data.fail) throw new NonRetriableError(`child ${ctx.data.i} failed`);
    return { value };
  },
});

const PARENT = defineJob<{ count: number; failAt?: number }>({
  type: 'PARENT',
  async run(ctx) {
    for (let i = 0; i < ctx.data.count; i++) await ctx.spawn('CHILD', { i, fail: i === ctx.data.failAt });
    const outcomes = await ctx.waitForChildren();
    const sum = outcomes.reduce((acc, o) => acc + ((o.results as { value?: number } | null)?.value ?? 0), 0);
    ctx.log.info(`children done: ${outcomes.length}`);
    return { sum, errors: outcomes.filter((o) => o.hasErrors).length };
  },
});

let emulators: Emulators;
beforeAll(async () => {
  emulators = await startEmulators();
});
afterAll(async () => {
  await emulators?.stop();
});

describe('running jobs end to end', () => {
  it('runs a job of two steps to FINISHED with its results, progress and logs', async () => {
    const stack = await createTestStack(emulators, { definitions: [SIMPLE] });
    try {
      const { job } = await stack.engine.submit({ type: 'SIMPLE', tenant: 'acme', data: { n: 7 } });
      expect(job.status).toBe('PENDING');
      await stack.runUntil(async () => (await stack.engine.get(job.id, { tenant: 'acme' })).status === 'FINISHED');
      const done = await stack.engine.get(job.id, { tenant: 'acme' });
      expect(done).toMatchObject({ status: 'FINISHED', results: { tripled: 42 }, progress: 100, hasErrors: false, resultFile: `exports/${job.id}.csv` });
      expect(done.startDate).not.toBeNull();
      expect(done.endDate).not.toBeNull();
      const logs = await loggedLines(engineInternals(stack.engine).deps.jobs, job.id);
      expect(logs.map((l) => l.message)).toEqual(['doubled']);
    } finally {
      await stack.stop();
    }
  });

  it('finishes a parent only after its children, carrying a failed child’s errors up', async () => {
    const stack = await createTestStack(emulators, { definitions: [PARENT, CHILD] });
    try {
      const { job } = await stack.engine.submit({ type: 'PARENT', tenant: 'acme', data: { count: 5, failAt: 3 } });
      await stack.runUntil(async () => (await stack.engine.get(job.id, { tenant: 'acme' })).status === 'FINISHED');
      const done = await stack.engine.get(job.id, { tenant: 'acme' });
      expect(done.childrenProgress).toEqual({ finished: 5, total: 5 });
      expect(done.hasErrors).toBe(true);
      expect(done.results).toEqual({ sum: 0 + 10 + 20 + 40, errors: 1 });
    } finally {
      await stack.stop();
    }
  });
});

describe('summary counters', () => {
  it('count spawned children as created and every job’s end exactly once', async () => {
    const stack = await createTestStack(emulators, { definitions: [PARENT, CHILD] });
    try {
      const { job } = await stack.engine.submit({ type: 'PARENT', tenant: 'count', data: { count: 4, failAt: 2 } });
      await stack.runUntil(async () => (await stack.engine.get(job.id, { tenant: 'count' })).status === 'FINISHED');
      // Counters flush when the worker's batch ends, just after the status is visible.
      // Parent and one child finish with errors (the child's errors mark the parent).
      const tree = () => readSummary(engineInternals(stack.engine).deps.jobs, 'count', summaryListings({ children: true }));
      await eventually(async () => (await tree()).active === 0);
      expect(await tree()).toEqual({ total: 5, active: 0, completed: 3, failed: 2, canceled: 0 });
      // The root's cards alone: the list of root jobs shows one.
      expect(await readSummary(engineInternals(stack.engine).deps.jobs, 'count')).toEqual({ total: 1, active: 0, completed: 0, failed: 1, canceled: 0 });
    } finally {
      await stack.stop();
    }
  });
});

describe('children submitted through the api', () => {
  it('count beside the parent’s own spawns without disturbing their replay', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let spawnedTwo!: () => void;
    const twoSpawned = new Promise<void>((r) => (spawnedTwo = r));
    const host = defineJob({
      type: 'HOST',
      async run(ctx) {
        await ctx.spawn('CHILD', { i: 1 });
        await ctx.spawn('CHILD', { i: 2 });
        await ctx.step('hold', async () => {
          spawnedTwo();
          await released;
        });
        await ctx.spawn('CHILD', { i: 3 });
        await ctx.spawn('CHILD', { i: 4 });
        const outcomes = await ctx.waitForChildren();
        return { children: outcomes.length };
      },
    });
    const stack = await createTestStack(emulators, { definitions: [host, CHILD] });
    try {
      const { job } = await stack.engine.submit({ type: 'HOST', tenant: 'acme' });
      stack.poller.start();
      await twoSpawned;
      await stack.engine.submit({ type: 'CHILD', tenant: 'acme', parentId: job.id, data: { i: 9 } });
      release();
      await stack.runUntil(async () => (await stack.engine.get(job.id, { tenant: 'acme' })).status === 'FINISHED');
      const done = await stack.engine.get(job.id, { tenant: 'acme' });
      expect(done.childrenProgress).toEqual({ finished: 5, total: 5 });
      expect(done.results).toEqual({ children: 5 });
    } finally {
      await stack.stop();
    }
  });
});
