import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { Job } from '@stint/core';
import { attachTestStack, createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { engineInternals } from '@stint/core/testing';

const QUICK = defineJob({ type: 'QUICK', run: async (ctx) => ({ done: await ctx.step('work', () => true) }) });
/** Works a moment (time to adopt a child), then waits for its children. */
const PARENT = defineJob({
  type: 'PARENT',
  async run(ctx) {
    await ctx.step('work', () => new Promise((resolve) => setTimeout(resolve, 500)));
    await ctx.waitForChildren();
  },
});
const SCOPE = { tenant: 'acme' };

/**
 * How far ahead the tests ask: long enough to see the job wait — the first test looks 1 s in,
 * and one round of work and sweeping can take seconds under the whole suite's load — and
 * short enough to wait for.
 */
const AHEAD_MS = 6_000;

describe.each(DYNAMO_BACKENDS)('start later (runAt) on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [QUICK, PARENT] });
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const job = (id: string) => stack.engine.get(id, SCOPE);
  /** Works and sweeps, as a deployment's workers and sweeper do, until `done`. */
  const workAndSweep = (on: TestStack, done: () => Promise<boolean>) =>
    on.runUntil(async () => {
      await on.engine.sweep();
      return done();
    }, 30_000);

  it('waits without a worker until runAt, then runs; its waiting time counts from runAt', async () => {
    const runAt = Date.now() + AHEAD_MS;
    const { job: submitted } = await stack.engine.submit({ type: 'QUICK', tenant: 'acme', runAt });
    expect(submitted).toMatchObject({ status: 'PENDING', runAt, waiting: 0 });

    // Workers and sweeps for a while before runAt: nothing takes it. Only reads that ended
    // before runAt judge that (a round takes seconds on a loaded machine; were none to end in
    // time, the start date below still shows that nothing took it early).
    const before = Date.now() + 1_000;
    const early: Job[] = [];
    await workAndSweep(stack, async () => {
      const read = await job(submitted.id);
      if (Date.now() < runAt) early.push(read);
      return Date.now() > before;
    });
    for (const read of early) expect(read).toMatchObject({ status: 'PENDING', startDate: null, waiting: 0 });

    await workAndSweep(stack, async () => (await job(submitted.id)).status === 'FINISHED');
    const done = await job(submitted.id);
    expect(done.startDate!).toBeGreaterThanOrEqual(runAt);
    expect(done.waiting).toBe(done.startDate! - runAt);
  });

  it('is honoured by another process: the delayed set is in the table, not in memory', async () => {
    const runAt = Date.now() + AHEAD_MS;
    const { job: submitted } = await stack.engine.submit({ type: 'QUICK', tenant: 'acme', runAt: new Date(runAt).toISOString() });
    await stack.stop();
    // Another worker and sweeper on the same table and queues, as after a restart.
    const other = attachTestStack(stack.clients, stack.provisioned, stack.config, { definitions: [QUICK], workerId: 'second' });
    try {
      await workAndSweep(other, async () => (await other.engine.get(submitted.id, SCOPE)).status === 'FINISHED');
      expect((await other.engine.get(submitted.id, SCOPE)).startDate!).toBeGreaterThanOrEqual(runAt);
    } finally {
      await other.stop();
    }
  });

  it('stopped and resumed before runAt, waits for it again', async () => {
    const runAt = Date.now() + AHEAD_MS;
    const { job: submitted } = await stack.engine.submit({ type: 'QUICK', tenant: 'acme', runAt });
    expect((await stack.engine.apply('stop', submitted.id, SCOPE))?.status).toBe('STOPPED');
    expect((await stack.engine.apply('resume', submitted.id, SCOPE))?.status).toBe('PENDING');
    expect((await engineInternals(stack.engine).deps.jobs.get(submitted.id))?.gsi5pk).toMatch(/^N#/);

    await workAndSweep(stack, async () => (await job(submitted.id)).status === 'FINISHED');
    expect((await job(submitted.id)).startDate!).toBeGreaterThanOrEqual(runAt);
  });

  it('a child asked to start later is counted on its parent at once, so the parent waits for it', async () => {
    const { job: parent } = await stack.engine.submit({ type: 'PARENT', tenant: 'acme' });
    const runAt = Date.now() + AHEAD_MS;
    const { job: child } = await stack.engine.submit({ type: 'QUICK', tenant: 'acme', parentId: parent.id, runAt });
    expect(child).toMatchObject({ status: 'PENDING', runAt, parentId: parent.id });

    await workAndSweep(stack, async () => (await job(parent.id)).status === 'FINISHED');
    const [ended, ran] = [await job(parent.id), await job(child.id)];
    expect(ran.startDate!).toBeGreaterThanOrEqual(runAt);
    expect(ended.endDate!).toBeGreaterThanOrEqual(ran.endDate!);
    expect(ended.childrenProgress).toEqual({ finished: 1, total: 1 });
  });

  it('starts at once for a time already past', async () => {
    const { job: submitted } = await stack.engine.submit({ type: 'QUICK', tenant: 'acme', runAt: Date.now() - 60_000 });
    expect(submitted.runAt).toBeNull();
    await stack.runUntil(async () => (await job(submitted.id)).status === 'FINISHED');
  });

  it.each([
    [{ runAt: 'next tuesday' }, 'runAt must be ms since the epoch or an ISO 8601 date-time; got "next tuesday"'],
    [{ runAt: -5 }, 'runAt must be ms since the epoch or an ISO 8601 date-time; got -5'],
  ])('refuses %j with 400 naming runAt, writing nothing', async (extra, message) => {
    const key = `run-at-${Math.random()}`;
    await expect(stack.engine.submit({ type: 'QUICK', tenant: 'acme', idempotencyKey: key, ...extra })).rejects.toMatchObject({
      code: 'badRequest',
      field: 'runAt',
      message,
    });
    // The idempotency key was not claimed: nothing was written.
    const { created } = await stack.engine.submit({ type: 'QUICK', tenant: 'acme', idempotencyKey: key });
    expect(created).toBe(true);
  });
});
