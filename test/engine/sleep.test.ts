import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { attachTestStack, createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { engineInternals } from '@stint/core/testing';
import { setCrashPointHook } from '@stint/core/crash-points';
import { loggedLines } from '../support/jobs.ts';

const SCOPE = { tenant: 'acme' };
/** Long enough to see the job asleep, short enough to wait for. */
const NAP_MS = 2_500;
/** Past SQS's longest delay: only the sweeper wakes such a sleep. */
const LONG_MS = 20 * 60_000;

/** Every execution of a step body, per job, in order: no dedupe, so a re-run shows. */
const executions = new Map<string, string[]>();
const ran = (jobId: string, step: string) => executions.set(jobId, [...(executions.get(jobId) ?? []), step]);

const NAPPER = defineJob<{ ms: number }>({
  type: 'NAPPER',
  async run(ctx) {
    await ctx.step('before', () => ran(ctx.job.id, 'before'));
    await ctx.sleep('nap', ctx.data.ms);
    await ctx.step('after', () => ran(ctx.job.id, 'after'));
    return { wokeAt: await ctx.step('woke', () => Date.now()) };
  },
});
const UNTIL = defineJob<{ at: number }>({
  type: 'UNTIL',
  async run(ctx) {
    await ctx.sleepUntil('until', new Date(ctx.data.at));
    await ctx.step('after', () => ran(ctx.job.id, 'after'));
  },
});

const PAST_NAP = defineJob({
  type: 'PAST_NAP',
  async run(ctx) {
    await ctx.sleepUntil('until', new Date(0));
    ctx.log.info('past the sleep');
    await ctx.step('next', () => ran(ctx.job.id, 'next'));
  },
});

describe.each(DYNAMO_BACKENDS)('durable sleep on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  /** Added to the engine's clock: a long sleep passes without waiting for it (job bodies read Date.now(), so compare with it added). */
  let skew = 0;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [NAPPER, UNTIL, PAST_NAP], clock: () => Date.now() + skew });
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const job = (id: string) => stack.engine.get(id, SCOPE);
  const item = async (id: string) => (await engineInternals(stack.engine).deps.jobs.get(id))!;
  const asleep = async (id: string) => (await job(id)).sleepingUntil !== null;

  it('parks holding no worker, is woken by its delayed message (no sweeper) at or after its time, and never sleeps twice', async () => {
    const { job: submitted } = await stack.engine.submit({ type: 'NAPPER', tenant: 'acme', data: { ms: NAP_MS } });
    await stack.runUntil(() => asleep(submitted.id));
    const sleeping = await item(submitted.id);
    expect(sleeping).toMatchObject({ status: 'RUNNING' });
    expect(sleeping.gsi5pk).toMatch(/^N#/);
    expect(sleeping.leaseOwner).toBeUndefined();
    const wakeAt = sleeping.sleepingUntil!;
    expect(wakeAt).toBeGreaterThan(Date.now() + skew);

    await stack.runUntil(async () => (await job(submitted.id)).status === 'FINISHED', 30_000);
    const done = await job(submitted.id);
    expect((done.results as { wokeAt: number }).wokeAt + skew).toBeGreaterThanOrEqual(wakeAt);
    expect(done.sleepingUntil).toBeNull();
    expect(executions.get(submitted.id)).toEqual(['before', 'after']);
  });

  it('a sleep past SQS’s longest delay is woken by the sweeper once due', async () => {
    const { job: submitted } = await stack.engine.submit({ type: 'NAPPER', tenant: 'acme', data: { ms: LONG_MS } });
    await stack.runUntil(() => asleep(submitted.id));
    const wakeAt = (await item(submitted.id)).sleepingUntil!;
    // Sweeps before the time leave it asleep.
    await stack.engine.sweep();
    expect((await job(submitted.id)).sleepingUntil).toBe(wakeAt);

    skew += LONG_MS;
    await stack.runUntil(async () => {
      await stack.engine.sweep();
      return (await job(submitted.id)).status === 'FINISHED';
    }, 30_000);
    expect(((await job(submitted.id)).results as { wokeAt: number }).wokeAt + skew).toBeGreaterThanOrEqual(wakeAt);
    expect(executions.get(submitted.id)).toEqual(['before', 'after']);
  });

  it('survives the process: another one, whose queue lost the wake-up message, wakes it from the table', async () => {
    const { job: submitted } = await stack.engine.submit({ type: 'NAPPER', tenant: 'acme', data: { ms: NAP_MS } });
    await stack.runUntil(() => asleep(submitted.id));
    const wakeAt = (await item(submitted.id)).sleepingUntil!;
    await stack.stop();
    // SQS messages do not survive a local kill.
    for (const url of Object.values(stack.provisioned.queueUrls)) await stack.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: url }));

    const other = attachTestStack(stack.clients, stack.provisioned, stack.config, {
      definitions: [NAPPER],
      workerId: 'second',
      clock: () => Date.now() + skew,
    });
    try {
      await other.runUntil(async () => {
        await other.engine.sweep();
        return (await other.engine.get(submitted.id, SCOPE)).status === 'FINISHED';
      }, 30_000);
      const done = await other.engine.get(submitted.id, SCOPE);
      expect((done.results as { wokeAt: number }).wokeAt + skew).toBeGreaterThanOrEqual(wakeAt);
      expect(executions.get(submitted.id)).toEqual(['before', 'after']);
    } finally {
      await other.stop();
    }
  });

  it('stopped while asleep, ends STOPPED at once; resumed early, sleeps only the rest; stopped and canceled, ends CANCELED', async () => {
    const { job: submitted } = await stack.engine.submit({ type: 'NAPPER', tenant: 'acme', data: { ms: NAP_MS * 2 } });
    await stack.runUntil(() => asleep(submitted.id));
    const wakeAt = (await item(submitted.id)).sleepingUntil!;

    expect(await stack.engine.apply('stop', submitted.id, SCOPE)).toMatchObject({ status: 'STOPPED', sleepingUntil: null });
    expect((await item(submitted.id)).gsi5pk).toBeUndefined();
    await stack.engine.apply('resume', submitted.id, SCOPE);
    // The replay reads the stored time back and sleeps until it, not for the whole nap again.
    await stack.runUntil(async () => (await job(submitted.id)).sleepingUntil === wakeAt);
    await stack.runUntil(async () => (await job(submitted.id)).status === 'FINISHED', 30_000);
    expect(((await job(submitted.id)).results as { wokeAt: number }).wokeAt + skew).toBeGreaterThanOrEqual(wakeAt);
    expect(executions.get(submitted.id)).toEqual(['before', 'after']);

    const { job: other } = await stack.engine.submit({ type: 'NAPPER', tenant: 'acme', data: { ms: LONG_MS } });
    await stack.runUntil(() => asleep(other.id));
    await stack.engine.apply('stop', other.id, SCOPE);
    expect(await stack.engine.apply('cancel', other.id, SCOPE)).toMatchObject({ status: 'CANCELED', sleepingUntil: null });
    expect(executions.get(other.id)).toEqual(['before']);
  });

  it('logs what follows a sleep once, when the job is stopped just past the sleep and resumed', async () => {
    // The stop lands once the sleep's time is stored, so the job stops at the next step's boundary.
    setCrashPointHook(async (point, detail) => {
      if (point !== 'slice.checkpointSaved' || detail.jobType !== 'PAST_NAP') return;
      setCrashPointHook(undefined);
      await stack.engine.apply('stop', detail.jobId!, SCOPE);
    });
    const { job: submitted } = await stack.engine.submit({ type: 'PAST_NAP', tenant: 'acme' });
    await stack.runUntil(async () => (await job(submitted.id)).status === 'STOPPED');
    await stack.engine.apply('resume', submitted.id, SCOPE);
    await stack.runUntil(async () => (await job(submitted.id)).status === 'FINISHED');
    expect((await loggedLines(engineInternals(stack.engine).deps.jobs, submitted.id)).map((line) => line.message)).toEqual(['past the sleep']);
    expect(executions.get(submitted.id)).toEqual(['next']);
  });

  it('sleepUntil a time already past goes straight on, without parking', async () => {
    const { job: submitted } = await stack.engine.submit({ type: 'UNTIL', tenant: 'acme', data: { at: Date.now() - 1_000 } });
    await stack.runUntil(async () => (await job(submitted.id)).status === 'FINISHED');
    expect(executions.get(submitted.id)).toEqual(['after']);
    expect(
      stack.events.filter((event) => event.type === 'sliceEnded' && event.jobId === submitted.id).map((event) => 'outcome' in event && event.outcome),
    ).toEqual(['finished']);
  });
});
