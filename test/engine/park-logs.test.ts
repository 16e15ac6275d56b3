import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { engineInternals } from '@stint/core/testing';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { loggedLines } from '../support/jobs.ts';

/**
 * A slice holds its log lines for up to a second (log-buffer.ts); a job that parks — for its
 * children, a sleep or an outside event — ends its slice there, so the lines it logged just
 * before must be written by the park, not dropped with the slice.
 */
/** Slow enough that its parent parks before it ends. */
const LEAF = defineJob({ type: 'LEAF', run: async (ctx) => void (await ctx.step('leaf', () => new Promise((done) => setTimeout(done, 500)))) });
const WAITS_FOR_CHILDREN = defineJob({
  type: 'WAITS_FOR_CHILDREN',
  async run(ctx) {
    await ctx.spawn('LEAF', {});
    ctx.log.info('spawned one child');
    await ctx.waitForChildren();
    ctx.log.info('children done');
  },
});
/** Parks twice, after a step, so replay must run past a checkpoint and a first wait. */
const WAITS_TWICE = defineJob({
  type: 'WAITS_TWICE',
  async run(ctx) {
    await ctx.step('prepare', () => 'ready');
    await ctx.spawn('LEAF', {});
    ctx.log.info('spawned the first');
    await ctx.waitForChildren();
    ctx.log.info('first done');
    await ctx.spawn('LEAF', {});
    ctx.log.info('spawned the second');
    await ctx.waitForChildren();
    ctx.log.info('both done');
  },
});
const SLEEPS = defineJob({
  type: 'SLEEPS',
  async run(ctx) {
    ctx.log.info('going to sleep');
    await ctx.sleep('nap', 200);
    ctx.log.info('awake');
  },
});
const WAITS_FOR_EVENT = defineJob({
  type: 'WAITS_FOR_EVENT',
  async run(ctx) {
    ctx.log.info('waiting for approval');
    await ctx.waitForEvent('approved', { key: ctx.job.id, timeoutMs: 60_000 });
    ctx.log.info('approved');
  },
});

describe('log lines logged just before a park', () => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators();
    stack = await createTestStack(emulators, { definitions: [LEAF, WAITS_FOR_CHILDREN, WAITS_TWICE, SLEEPS, WAITS_FOR_EVENT] });
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const jobs = () => engineInternals(stack.engine).deps.jobs;
  const messages = async (id: string) => (await loggedLines(jobs(), id)).map((line) => line.message);

  it.each([
    ['WAITS_FOR_CHILDREN', ['spawned one child', 'children done']],
    ['WAITS_TWICE', ['spawned the first', 'first done', 'spawned the second', 'both done']],
    ['SLEEPS', ['going to sleep', 'awake']],
  ])('are kept by a %s job', async (type, expected) => {
    const { job } = await stack.engine.submit({ type, tenant: 'acme' });
    await stack.runUntil(async () => (await jobs().get(job.id))?.status === 'FINISHED');
    expect(await messages(job.id)).toEqual(expected);
  });

  it('are kept by a job waiting for an outside event, and readable while it waits', async () => {
    const { job } = await stack.engine.submit({ type: 'WAITS_FOR_EVENT', tenant: 'acme' });
    await stack.runUntil(async () => (await jobs().get(job.id))?.eventWait !== undefined);
    expect(await messages(job.id)).toEqual(['waiting for approval']);

    await stack.engine.sendEvent({ tenant: 'acme', name: 'approved', key: job.id, data: {} });
    await stack.runUntil(async () => (await jobs().get(job.id))?.status === 'FINISHED');
    expect(await messages(job.id)).toEqual(['waiting for approval', 'approved']);
  });
});
