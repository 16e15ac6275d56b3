import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { defineJob } from '@stint/sdk';
import { setCrashPointHook } from '@stint/core/crash-points';
import type { JobRecord } from '@stint/core/job-record';
import { idempotencyKey } from '@stint/core/store/table-keys';
import { engineInternals } from '@stint/core/testing';
import { createTestStack, startEmulators, uniqueName, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';

/**
 * A re-submission with the idempotency key of a submission that died half-way sets the job
 * moving (recovery.ts `nudge`). The first submission is cut short by a hook that throws at
 * `submit.created`, after the job is written and before anything sends or adopts it; the
 * engine's clock is the test's, so "how long ago" is exact. No poller runs: the work queue's
 * messages are read directly.
 */
const QUICK = defineJob({ type: 'QUICK', run: async () => ({}) });
const PARENT = defineJob({ type: 'PARENT', run: async (ctx) => void (await ctx.waitForChildren()) });

/** The engine's default settle grace and the nudge's own bound on a dispatched job's silence. */
const SETTLE_GRACE_MS = 60_000;
const NUDGE_AFTER_MS = 10_000;

describe.each(DYNAMO_BACKENDS)('a re-submission nudges a half-submitted job on %s', (backend) => {
  let emulators: Emulators;
  let now = Date.now();
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
  });
  afterEach(() => setCrashPointHook(undefined));
  afterAll(async () => {
    await emulators?.stop();
  });

  const stackWith = (options: { redispatchAfterMs?: number } = {}) =>
    createTestStack(emulators, { definitions: [QUICK, PARENT], clock: () => now, ...options });

  /** Submits with `key`, the submission dying once its job is written. */
  async function halfSubmit(stack: TestStack, input: { type: string; key: string; parentId?: string; lowPriority?: boolean }): Promise<JobRecord> {
    setCrashPointHook((point, detail) => {
      if (point === 'submit.created' && detail.jobType === input.type) throw new Error('died after writing the job');
    });
    const { key, ...rest } = input;
    await expect(stack.engine.submit({ ...rest, tenant: 'acme', idempotencyKey: key })).rejects.toThrow('died after writing the job');
    setCrashPointHook(undefined);
    const { jobs } = engineInternals(stack.engine).deps;
    const claimed = await jobs.getItem(idempotencyKey('acme', key));
    return (await jobs.get(claimed?.jobId as string))!;
  }

  const resubmit = async (stack: TestStack, input: { type: string; key: string; parentId?: string; lowPriority?: boolean }) => {
    const { key, ...rest } = input;
    const { job, created } = await stack.engine.submit({ ...rest, tenant: 'acme', idempotencyKey: key });
    expect(created).toBe(false);
    return (await engineInternals(stack.engine).deps.jobs.get(job.id))!;
  };

  /** The job ids of the messages waiting in a lane's queue (taken off it). */
  async function queued(stack: TestStack, queue: 'work' | 'low' = 'work'): Promise<string[]> {
    const { Messages } = await stack.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.provisioned.queueUrls[queue], MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    return (Messages ?? []).map((message) => (JSON.parse(message.Body!) as { jobId: string }).jobId);
  }

  it('resends a dispatched root’s message only once it has gone unanswered for longer than 10 s', async () => {
    const stack = await stackWith();
    now = Date.now();
    const key = uniqueName('k');
    const written = await halfSubmit(stack, { type: 'QUICK', key });
    expect(written.dispatchedAt).toBe(now);

    now += NUDGE_AFTER_MS;
    expect((await resubmit(stack, { type: 'QUICK', key })).dispatchedAt).toBe(written.dispatchedAt);
    expect(await queued(stack)).toEqual([]);

    now += 1;
    const nudged = await resubmit(stack, { type: 'QUICK', key });
    expect(nudged.dispatchedAt).toBe(now);
    expect(nudged.version).toBe(written.version);
    expect(await queued(stack)).toEqual([written.id]);
  });

  it('resends sooner when the engine redispatches sooner than 10 s', async () => {
    const stack = await stackWith({ redispatchAfterMs: 2_000 });
    now = Date.now();
    const key = uniqueName('k');
    const written = await halfSubmit(stack, { type: 'QUICK', key });

    now += 2_000;
    expect((await resubmit(stack, { type: 'QUICK', key })).dispatchedAt).toBe(written.dispatchedAt);
    now += 1;
    expect((await resubmit(stack, { type: 'QUICK', key })).dispatchedAt).toBe(now);
    expect(await queued(stack)).toEqual([written.id]);
  });

  it('dispatches a low-priority root left in its ready set', async () => {
    const stack = await stackWith();
    now = Date.now();
    const key = uniqueName('k');
    const written = await halfSubmit(stack, { type: 'QUICK', key, lowPriority: true });
    expect(written.gsi5pk).toBe(`R#low#${written.id}`);
    expect(await queued(stack, 'low')).toEqual([]);

    const nudged = await resubmit(stack, { type: 'QUICK', key, lowPriority: true });
    expect(nudged.gsi5pk?.[0]).toBe('I');
    expect(nudged.dispatchedAt).toBe(now);
    expect(await queued(stack, 'low')).toEqual([written.id]);
  });

  it('finishes a child’s adoption only once no request can still be adopting it', async () => {
    const stack = await stackWith();
    now = Date.now();
    const { job: parent } = await stack.engine.submit({ type: 'PARENT', tenant: 'acme' });
    const key = uniqueName('k');
    const written = await halfSubmit(stack, { type: 'QUICK', key, parentId: parent.id });
    expect(written.adopting).toBe(true);

    now = written.createDate + SETTLE_GRACE_MS;
    expect((await resubmit(stack, { type: 'QUICK', key, parentId: parent.id })).adopting).toBe(true);
    expect((await engineInternals(stack.engine).deps.jobs.get(parent.id))?.childrenTotal).toBe(0);

    now += 1;
    const adopted = await resubmit(stack, { type: 'QUICK', key, parentId: parent.id });
    expect(adopted.adopting).toBeUndefined();
    expect(adopted.gsi5pk?.[0]).toBe('I');
    expect((await engineInternals(stack.engine).deps.jobs.get(parent.id))?.childrenTotal).toBe(1);
  });
});
