import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { childJobId } from '@stint/core/new-job';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { engineInternals } from '@stint/core/testing';
import { loggedLines } from '../support/jobs.ts';

const SCOPE = { tenant: 'acme' };
const TIMEOUT_MS = 1_500;
const ERROR = `job failed: the job ran past its timeout of ${TIMEOUT_MS} ms`;

/** Every step body that ran, per job: a step past the deadline must not start. */
const executions = new Map<string, string[]>();
const ran = (jobId: string, step: string) => executions.set(jobId, [...(executions.get(jobId) ?? []), step]);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** When each step body of a PLODDER began. */
const stepStarts = new Map<string, number[]>();
/** Steps of 400 ms that never look at ctx.signal: the boundary after the deadline ends the run. */
const PLODDER = defineJob({
  type: 'PLODDER',
  timeoutMs: TIMEOUT_MS,
  async run(ctx) {
    for (let i = 0; i < 10; i++) {
      await ctx.step(`s${i}`, async () => {
        stepStarts.set(ctx.job.id, [...(stepStarts.get(ctx.job.id) ?? []), Date.now()]);
        await pause(400);
      });
    }
  },
});
/** One long step that honours ctx.signal: the deadline aborts it in the middle. */
const LISTENER = defineJob({
  type: 'LISTENER',
  timeoutMs: TIMEOUT_MS,
  async run(ctx) {
    await ctx.step('listen', async () => {
      while (!ctx.signal.aborted) await pause(50);
      ran(ctx.job.id, 'aborted');
      throw ctx.signal.reason;
    });
  },
});
const NAPPER = defineJob({
  type: 'NAPPER',
  timeoutMs: TIMEOUT_MS,
  async run(ctx) {
    await ctx.sleep('nap', 60_000);
    await ctx.step('after', () => ran(ctx.job.id, 'after'));
  },
});
const NAPPING_CHILD = defineJob({
  type: 'NAPPING_CHILD',
  async run(ctx) {
    await ctx.sleep('nap', 60_000);
    await ctx.step('after', () => ran(ctx.job.id, 'after'));
  },
});
const PARENT = defineJob({
  type: 'PARENT',
  timeoutMs: TIMEOUT_MS,
  async run(ctx) {
    for (let i = 0; i < 3; i++) await ctx.spawn('NAPPING_CHILD', { i });
    await ctx.waitForChildren();
    await ctx.step('after', () => ran(ctx.job.id, 'after'));
  },
});
/** A step with its own timeout that ignores the signal: it fails once it returns, and the type does not retry. */
const SLOW_STEP = defineJob({
  type: 'SLOW_STEP',
  retry: { maxAttempts: 1 },
  async run(ctx) {
    await ctx.step(
      'slow',
      async () => {
        await pause(800);
        ran(ctx.job.id, ctx.signal.aborted ? 'signal aborted' : 'signal not aborted');
      },
      { timeoutMs: 200 },
    );
  },
});

describe.each(DYNAMO_BACKENDS)('deadlines on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [PLODDER, LISTENER, NAPPER, NAPPING_CHILD, PARENT, SLOW_STEP], settleGraceMs: 500 });
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const job = (id: string) => stack.engine.get(id, SCOPE);
  const endedWithErrors = async (id: string) => {
    await stack.runUntil(async () => {
      await stack.engine.sweep();
      return (await job(id)).status === 'FINISHED';
    }, 30_000);
    return job(id);
  };

  it('ends a job whose steps run past its timeout at the next boundary, with an ERROR line, running no further step', async () => {
    const { job: submitted } = await stack.engine.submit({ type: 'PLODDER', tenant: 'acme' });
    const done = await endedWithErrors(submitted.id);
    expect(done).toMatchObject({ hasErrors: true, error: 'the job ran past its timeout of 1500 ms' });
    expect(done.endDate! - done.startDate!).toBeGreaterThanOrEqual(TIMEOUT_MS);
    // 400 ms steps: a few run, none starts past the deadline, the last one is cut off.
    const starts = stepStarts.get(submitted.id)!;
    expect(starts.length).toBeGreaterThanOrEqual(2);
    expect(starts.length).toBeLessThan(5);
    for (const start of starts) expect(start).toBeLessThan(done.startDate! + TIMEOUT_MS);
    const logs = await loggedLines(engineInternals(stack.engine).deps.jobs, submitted.id);
    expect(logs.map((line) => `${line.level} ${line.message}`)).toContain(`ERROR ${ERROR}`);
  });

  it('aborts ctx.signal at the deadline in the middle of a step', async () => {
    const { job: submitted } = await stack.engine.submit({ type: 'LISTENER', tenant: 'acme' });
    expect(await endedWithErrors(submitted.id)).toMatchObject({ hasErrors: true, error: 'the job ran past its timeout of 1500 ms' });
    expect(executions.get(submitted.id)).toEqual(['aborted']);
  });

  it('wakes a sleep that would outlast the deadline at the deadline, to end it', async () => {
    const { job: submitted } = await stack.engine.submit({ type: 'NAPPER', tenant: 'acme' });
    await stack.runUntil(async () => (await job(submitted.id)).sleepingUntil !== null);
    const asleep = await job(submitted.id);
    expect(asleep.sleepingUntil!).toBeLessThanOrEqual(asleep.startDate! + TIMEOUT_MS);
    expect(await endedWithErrors(submitted.id)).toMatchObject({ hasErrors: true, error: 'the job ran past its timeout of 1500 ms' });
    expect(executions.get(submitted.id)).toBeUndefined();
  });

  it('ends a parent waiting past its deadline and cancels its unfinished children', async () => {
    const { job: parent } = await stack.engine.submit({ type: 'PARENT', tenant: 'acme' });
    const done = await endedWithErrors(parent.id);
    expect(done).toMatchObject({ hasErrors: true, error: 'the job ran past its timeout of 1500 ms', childrenProgress: { finished: 3, total: 3 } });
    // In spawn order: a child's id is its parent's, run and position (new-job.ts).
    const children = await Promise.all([1, 2, 3].map((seq) => job(childJobId(parent.id, 0, seq))));
    expect(children.map((child) => child.status)).toEqual(['CANCELED', 'CANCELED', 'CANCELED']);
    expect(executions.get(parent.id)).toBeUndefined();
  });

  it('fails a step that runs past its own timeout, with ctx.signal aborted inside it', async () => {
    const { job: submitted } = await stack.engine.submit({ type: 'SLOW_STEP', tenant: 'acme' });
    expect(await endedWithErrors(submitted.id)).toMatchObject({ hasErrors: true, error: 'step "slow" ran past its timeout of 200 ms' });
    expect(executions.get(submitted.id)).toEqual(['signal aborted']);
  });
});
