import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { setCrashPointHook } from '@stint/core/crash-points';
import { jobKey, SHARDS, shardOf } from '@stint/core/store/table-keys';
import { engineInternals } from '@stint/core/testing';
import { createTestStack, startEmulators, uniqueName, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';

/**
 * A child's submission with `parentId` (adoption.ts) met, between two of its writes, by
 * another writer: a cancel of its parent, the sweeper finishing the same adoption, a crash
 * after the child became ready, the parent's item removed. The other writer runs inside a
 * crash-point hook, so the interleaving is exact; the engine's clock is the test's and no
 * poller runs.
 */
const CHILD = defineJob({ type: 'CHILD', run: async () => ({}) });
const PARENT = defineJob({ type: 'PARENT', run: async (ctx) => void (await ctx.waitForChildren()) });
const SETTLE_GRACE_MS = 60_000;

describe.each(DYNAMO_BACKENDS)('an adoption raced on %s', (backend) => {
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
  const submitParent = async () => (await stack.engine.submit({ type: 'PARENT', tenant: 'acme' })).job;
  const submitChild = (parentId: string, key = uniqueName('k')) => stack.engine.submit({ type: 'CHILD', tenant: 'acme', parentId, idempotencyKey: key });

  /** Runs `other` the first time a CHILD reaches `point`; returns the child's id once it has. */
  function interleave(point: 'adopt.parentCounted' | 'adopt.childReady', other: () => Promise<void>): () => string {
    let childId: string | undefined;
    setCrashPointHook(async (reached, detail) => {
      if (reached !== point || detail.jobType !== 'CHILD' || childId !== undefined) return;
      childId = detail.jobId;
      await other();
    });
    return () => childId!;
  }

  it('answers 409 when a cancel of the parent removed the child after the parent counted it', async () => {
    now = Date.now();
    const parent = await submitParent();
    const childId = interleave('adopt.parentCounted', async () => {
      await stack.engine.apply('stop', parent.id, { tenant: 'acme' });
      await stack.engine.apply('cancel', parent.id, { tenant: 'acme' });
    });

    await expect(submitChild(parent.id)).rejects.toMatchObject({
      code: 'conflict',
      message: `parent job ${parent.id} was canceled while the job joined it`,
      details: { jobId: parent.id },
    });
    expect(await jobs().get(childId())).toBeUndefined();
    expect((await jobs().get(parent.id))?.status).toBe('CANCELED');
  });

  it('returns the child the sweeper adopted while the submission stalled, counted once', async () => {
    now = Date.now();
    const parent = await submitParent();
    let finished = -1;
    const childId = interleave('adopt.parentCounted', async () => {
      now += SETTLE_GRACE_MS + 1;
      finished = (await stack.engine.sweep()).adoptionsFinished;
    });

    const { job, created } = await submitChild(parent.id);
    expect([job.id, created, finished]).toEqual([childId(), true, 1]);
    const child = (await jobs().get(childId()))!;
    expect([child.adopting, child.status, child.gsi5pk?.[0]]).toEqual([undefined, 'PENDING', 'I']);
    const counted = (await jobs().get(parent.id))!;
    expect([counted.childrenTotal, counted.adopted]).toEqual([1, 1]);
    expect(counted.pendingAdoptions?.size ?? 0).toBe(0);
  });

  it('does not count a child again when its adoption was finished after the sweeper read the adopting set', async () => {
    now = Date.now();
    const parent = await submitParent();
    // Nine children left adopting, each counted by its parent (a crash after step 2): two of them share a shard.
    setCrashPointHook(async (reached, detail) => {
      if (reached === 'adopt.parentCounted' && detail.jobType === 'CHILD') throw new Error('died at adopt.parentCounted');
    });
    const keys = new Map<string, string>();
    for (let i = 0; i < SHARDS + 1; i++) {
      const key = uniqueName('k');
      await expect(submitChild(parent.id, key)).rejects.toThrow('died at adopt.parentCounted');
      const [id] = [...(await jobs().get(parent.id))!.pendingAdoptions!].filter((counted) => !keys.has(counted));
      keys.set(id!, key);
    }
    const ids = [...keys.keys()];
    const pair = ids.flatMap((a) => ids.filter((b) => b !== a && shardOf(b) === shardOf(a)).map((b) => [a, b]))[0]!;

    // The sweep reads the shard's set, then, while it finishes one of the pair, a re-submission
    // finishes the other's adoption.
    now += SETTLE_GRACE_MS + 1;
    setCrashPointHook(async (reached, detail) => {
      if (reached !== 'adopt.parentCounted' || detail.jobId === undefined || !pair.includes(detail.jobId)) return;
      setCrashPointHook(undefined);
      const other = pair.find((id) => id !== detail.jobId)!;
      await submitChild(parent.id, keys.get(other)!);
      expect((await jobs().get(other))?.adopting).toBeUndefined();
    });
    await stack.engine.sweep();

    const counted = (await jobs().get(parent.id))!;
    expect([counted.childrenTotal, counted.adopted, counted.pendingAdoptions?.size ?? 0]).toEqual([SHARDS + 1, SHARDS + 1, 0]);
  });

  it('dispatches on re-submission a child left ready by a crash before its parent forgot it', async () => {
    now = Date.now();
    const parent = await submitParent();
    const key = uniqueName('k');
    const childId = interleave('adopt.childReady', async () => {
      throw new Error('died at adopt.childReady');
    });
    await expect(submitChild(parent.id, key)).rejects.toThrow('died at adopt.childReady');
    setCrashPointHook(undefined);

    const left = (await jobs().get(childId()))!;
    expect([left.adopting, left.gsi5pk?.[0], left.dispatchedAt]).toEqual([undefined, 'R', undefined]);
    // The stale id nothing reads once the child is ready.
    const counted = (await jobs().get(parent.id))!;
    expect([counted.childrenTotal, [...(counted.pendingAdoptions ?? [])]]).toEqual([1, [childId()]]);

    now += 1_000;
    const { job, created } = await submitChild(parent.id, key);
    expect([job.id, created]).toEqual([childId(), false]);
    const sent = (await jobs().get(childId()))!;
    expect([sent.gsi5pk?.[0], sent.dispatchedAt]).toEqual(['I', now]);
    expect((await jobs().get(parent.id))?.childrenTotal).toBe(1);
  });

  it('does not bring back a parent whose item was removed before it forgot the child', async () => {
    now = Date.now();
    const parent = await submitParent();
    const childId = interleave('adopt.childReady', () => jobs().delete(jobKey(parent.id)));

    const { job, created } = await submitChild(parent.id);
    expect([job.id, created]).toEqual([childId(), true]);
    expect(await jobs().getItem(jobKey(parent.id))).toBeUndefined();
    expect((await jobs().get(childId()))?.adopting).toBeUndefined();
  });
});
