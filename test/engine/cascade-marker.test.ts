import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { setCrashPointHook } from '@stint/core/crash-points';
import { cascadeKey } from '@stint/core/store/table-keys';
import { engineInternals } from '@stint/core/testing';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';

/**
 * The marker an operation over a tree writes before it changes the first job
 * (packages/core/src/engine/cascade-marker.ts): a crash leaves it for the sweeper to redo,
 * and an older operation's clear leaves a newer operation's marker, whose walk is the one
 * still wanted. Crash-point hooks cut operations short or run one inside another; the
 * engine's clock is the test's and no poller runs.
 */
const CHILD = defineJob({ type: 'CHILD', run: async () => ({}) });
const PARENT = defineJob({ type: 'PARENT', run: async (ctx) => void (await ctx.waitForChildren()) });
const SETTLE_GRACE_MS = 60_000;

describe.each(DYNAMO_BACKENDS)('a cascade marker on %s', (backend) => {
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
  const scope = { tenant: 'acme' };

  /** A root that has counted one child; neither has run. */
  async function tree(): Promise<{ rootId: string; childId: string }> {
    const { job: root } = await stack.engine.submit({ type: 'PARENT', tenant: 'acme' });
    const { job: child } = await stack.engine.submit({ type: 'CHILD', tenant: 'acme', parentId: root.id });
    return { rootId: root.id, childId: child.id };
  }

  it('is left by an operation that died once it was written, and the sweeper clears it past the settle grace', async () => {
    now = Date.now();
    const { rootId, childId } = await tree();
    setCrashPointHook((point, detail) => {
      if (point === 'cascade.marked' && detail.jobType === 'PARENT') throw new Error('died at cascade.marked');
    });
    await expect(stack.engine.apply('stop', rootId, scope)).rejects.toThrow('died at cascade.marked');
    setCrashPointHook(undefined);

    expect(await jobs().getItem(cascadeKey(rootId))).toMatchObject({ jobId: rootId, operation: 'stop', markedAt: now });
    expect([(await jobs().get(rootId))?.status, (await jobs().get(childId))?.status]).toEqual(['PENDING', 'PENDING']);

    now += SETTLE_GRACE_MS + 1;
    expect((await stack.engine.sweep()).cascadesFinished).toBe(1);
    expect(await jobs().getItem(cascadeKey(rootId))).toBeUndefined();
  });

  it('outlives the clear of an older operation, so the newer walk is redone', async () => {
    now = Date.now();
    const { rootId, childId } = await tree();
    const stoppedAt = now;
    let reached = 0;
    // The stop has changed the root and not yet its child when a resume of the root comes,
    // changes the root and dies before its own walk; the stop then walks the child.
    setCrashPointHook(async (point, detail) => {
      if (point !== 'cascade.applied' || detail.jobType !== 'PARENT') return;
      reached++;
      if (reached === 2) throw new Error('resume died at cascade.applied');
      now += 1;
      await expect(stack.engine.apply('resume', rootId, scope)).rejects.toThrow('resume died at cascade.applied');
    });
    await stack.engine.apply('stop', rootId, scope);
    setCrashPointHook(undefined);

    expect(await jobs().getItem(cascadeKey(rootId))).toMatchObject({ operation: 'resume', markedAt: stoppedAt + 1 });
    expect([(await jobs().get(rootId))?.status, (await jobs().get(childId))?.status]).toEqual(['PENDING', 'STOPPED']);

    now += SETTLE_GRACE_MS + 1;
    expect((await stack.engine.sweep()).cascadesFinished).toBe(1);
    expect(await jobs().getItem(cascadeKey(rootId))).toBeUndefined();
    expect((await jobs().get(childId))?.status).toBe('PENDING');
  });
});
