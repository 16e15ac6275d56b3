import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { setCrashPointHook, type CrashPoint } from '@stint/core/crash-points';
import type { JobRecord } from '@stint/core/job-record';
import { idempotencyKey } from '@stint/core/store/table-keys';
import { engineInternals } from '@stint/core/testing';
import { createTestStack, startEmulators, uniqueName, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';

/**
 * An adoption cut short (adoption.ts) and finished once the settle grace has passed, by a
 * re-submission with the same idempotency key or by the sweeper: the parent counts the child
 * once however often its steps are repeated, a parent that ended meanwhile refuses the child
 * (which is removed, never having joined), and a child asked to start later waits in the
 * delayed set.
 * The engine's clock is the test's; no poller runs.
 */
const CHILD = defineJob({ type: 'CHILD', run: async () => ({}) });
const PARENT = defineJob({ type: 'PARENT', run: async (ctx) => void (await ctx.waitForChildren()) });
const SETTLE_GRACE_MS = 60_000;

describe.each(DYNAMO_BACKENDS)('a repeated adoption on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  let now = Date.now();
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [CHILD, PARENT], clock: () => now });
  });
  afterEach(() => setCrashPointHook(undefined));
  afterAll(async () => {
    await emulators?.stop();
  });

  const jobs = () => engineInternals(stack.engine).deps.jobs;

  /** Submits a child of `parentId` with `key`, the submission dying at `point`; returns the child as left. */
  async function cutShort(point: CrashPoint, parentId: string, key: string, runAt?: number): Promise<JobRecord> {
    setCrashPointHook((reached, detail) => {
      if (reached === point && detail.jobType === 'CHILD') throw new Error(`died at ${point}`);
    });
    const input = { type: 'CHILD', tenant: 'acme', parentId, idempotencyKey: key, ...(runAt ? { runAt } : {}) };
    await expect(stack.engine.submit(input)).rejects.toThrow(`died at ${point}`);
    setCrashPointHook(undefined);
    const claimed = await jobs().getItem(idempotencyKey('acme', key));
    return (await jobs().get(claimed?.jobId as string))!;
  }

  const resubmit = (parentId: string, key: string, runAt?: number) =>
    stack.engine.submit({ type: 'CHILD', tenant: 'acme', parentId, idempotencyKey: key, ...(runAt ? { runAt } : {}) });

  it('counts the child once when the parent had counted it before the crash', async () => {
    now = Date.now();
    const { job: parent } = await stack.engine.submit({ type: 'PARENT', tenant: 'acme' });
    const key = uniqueName('k');
    const child = await cutShort('adopt.parentCounted', parent.id, key);
    expect(child.adopting).toBe(true);
    expect((await jobs().get(parent.id))?.childrenTotal).toBe(1);

    now += SETTLE_GRACE_MS + 1;
    const { job, created } = await resubmit(parent.id, key);
    expect([job.id, created]).toEqual([child.id, false]);
    const after = (await jobs().get(parent.id))!;
    expect([after.childrenTotal, after.adopted]).toEqual([1, 1]);
    expect(after.pendingAdoptions?.size ?? 0).toBe(0);
    expect((await jobs().get(child.id))?.adopting).toBeUndefined();
  });

  it('refuses the child of a parent that ended before counting it: the sweeper removes the child past the settle grace', async () => {
    now = Date.now();
    const { job: parent } = await stack.engine.submit({ type: 'PARENT', tenant: 'acme' });
    const key = uniqueName('k');
    const child = await cutShort('submit.created', parent.id, key);
    await stack.engine.apply('stop', parent.id, { tenant: 'acme' });
    await stack.engine.apply('cancel', parent.id, { tenant: 'acme' });

    await expect(resubmit(parent.id, key)).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('CANCELED') });
    // The sweeper finishes the adoption a request left, once no request can still be at it.
    now += SETTLE_GRACE_MS - 1;
    expect((await stack.engine.sweep()).adoptionsFinished).toBe(0);
    expect((await jobs().get(child.id))?.adopting).toBe(true);
    now += 1;
    expect((await stack.engine.sweep()).adoptionsFinished).toBe(1);
    expect(await jobs().get(child.id)).toBeUndefined();
    expect((await jobs().get(parent.id))?.childrenTotal).toBe(0);
  });

  it('puts a child asked to start later in the delayed set once counted', async () => {
    now = Date.now();
    const { job: parent } = await stack.engine.submit({ type: 'PARENT', tenant: 'acme' });
    const key = uniqueName('k');
    const runAt = now + 10 * SETTLE_GRACE_MS;
    const child = await cutShort('submit.created', parent.id, key, runAt);

    now += SETTLE_GRACE_MS + 1;
    await resubmit(parent.id, key, runAt);
    const adopted = (await jobs().get(child.id))!;
    expect(adopted.adopting).toBeUndefined();
    expect(adopted.gsi5pk?.[0]).toBe('N');
    expect((await jobs().get(parent.id))?.childrenTotal).toBe(1);
  });
});
