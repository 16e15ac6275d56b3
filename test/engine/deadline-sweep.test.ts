import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { encodeWorkMessage } from '@stint/core/work-queue';
import { childIds } from '@stint/core/engine/job-tree';
import { engineInternals } from '@stint/core/testing';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { eventually, gate } from '../support/gate.ts';

/**
 * The sweeper's part of a deadline (deadline.ts `enforceDeadline`): a parent parked waiting
 * for its children is made ready once its deadline has come — at the deadline itself, not a
 * millisecond before — so that a slice ends it; a parent without a deadline waits on; a
 * timed-out parent still parked with unfinished children past the settle grace has them
 * canceled again (the redo of a crash between its two writes). The
 * engine's clock is the test's and slices are run by hand, so the times are exact.
 */
const TIMEOUT_MS = 60_000;
const SETTLE_GRACE_MS = 60_000;
const CHILD = defineJob({ type: 'CHILD', run: async () => ({}) });
const BOUNDED = defineJob({
  type: 'BOUNDED',
  timeoutMs: TIMEOUT_MS,
  async run(ctx) {
    await ctx.spawn('CHILD', {});
    await ctx.waitForChildren();
  },
});
/** Held inside its first step until the test opens the gate: a worker busy with it. */
let held = gate();
const HELD = defineJob({
  type: 'HELD',
  async run(ctx) {
    await ctx.step('hold', () => held.opened);
    await ctx.step('after', () => null);
  },
});
const BOUNDED_OVER_HELD = defineJob({
  type: 'BOUNDED_OVER_HELD',
  timeoutMs: TIMEOUT_MS,
  async run(ctx) {
    await ctx.spawn('HELD', {});
    await ctx.waitForChildren();
  },
});
const UNBOUNDED = defineJob({
  type: 'UNBOUNDED',
  async run(ctx) {
    await ctx.spawn('CHILD', {});
    await ctx.waitForChildren();
  },
});

describe.each(DYNAMO_BACKENDS)('the sweeper and a waiting parent’s deadline on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  let now = Date.now();
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    // A lease far longer than the deadline: a child held by its worker stays held past it.
    stack = await createTestStack(emulators, {
      definitions: [CHILD, BOUNDED, UNBOUNDED, HELD, BOUNDED_OVER_HELD],
      clock: () => now,
      tuning: { leaseMs: 100 * TIMEOUT_MS },
    });
  });
  afterAll(async () => {
    await emulators?.stop();
  });

  const jobs = () => engineInternals(stack.engine).deps.jobs;

  /** Submits a parent and runs its first slice by hand: it spawns a child and parks waiting for it. */
  async function parkedParent(type: string) {
    const { job } = await stack.engine.submit({ type, tenant: 'acme' });
    await stack.engine.processBatch([{ body: encodeWorkMessage({ jobId: job.id, rootId: job.id, tenant: 'acme' }) }]);
    const parked = (await jobs().get(job.id))!;
    expect(parked.parked).toBe('waiting');
    return parked;
  }

  it('makes a waiting parent ready at its deadline, and not a millisecond before', async () => {
    now = Date.now();
    const parked = await parkedParent('BOUNDED');
    expect(parked.deadlineAt).toBe(now + TIMEOUT_MS);

    now = parked.deadlineAt! - 1;
    expect((await stack.engine.sweep()).deadlinesEnforced).toBe(0);
    expect((await jobs().get(parked.id))?.parked).toBe('waiting');

    now = parked.deadlineAt!;
    expect((await stack.engine.sweep()).deadlinesEnforced).toBe(1);
    const woken = (await jobs().get(parked.id))!;
    expect(woken.parked).toBeUndefined();
    expect(woken.status).toBe('RUNNING');
  });

  it('leaves a waiting parent without a deadline parked however long it waits', async () => {
    now = Date.now();
    const parked = await parkedParent('UNBOUNDED');
    expect(parked.deadlineAt).toBeUndefined();

    now += 10 * TIMEOUT_MS;
    expect((await stack.engine.sweep()).deadlinesEnforced).toBe(0);
    expect((await jobs().get(parked.id))?.parked).toBe('waiting');
  });

  it('does not count the time a job was stopped: a stopped parent is not woken at its deadline, and its resume moves the deadline on', async () => {
    now = Date.now();
    const parked = await parkedParent('BOUNDED');
    const deadlineAt = now + TIMEOUT_MS;
    expect(parked.deadlineAt).toBe(deadlineAt);

    now += 10_000;
    await stack.engine.apply('stop', parked.id, { tenant: 'acme' });
    expect((await jobs().get(parked.id))?.status).toBe('STOPPED');
    now = deadlineAt + 5 * TIMEOUT_MS;
    expect((await stack.engine.sweep()).deadlinesEnforced).toBe(0);
    expect((await jobs().get(parked.id))?.status).toBe('STOPPED');

    // Stopped for 5 × TIMEOUT_MS + 50 s: the 50 s it had left are still ahead of it.
    await stack.engine.apply('resume', parked.id, { tenant: 'acme' });
    const resumed = (await jobs().get(parked.id))!;
    expect(resumed.deadlineAt).toBe(now + 50_000);
    now += 49_999;
    await stack.engine.processBatch([{ body: encodeWorkMessage({ jobId: parked.id, rootId: parked.id, tenant: 'acme' }) }]);
    expect(await jobs().get(parked.id)).toMatchObject({ status: 'RUNNING', parked: 'waiting', hasErrors: false });
    expect((await stack.engine.sweep()).deadlinesEnforced).toBe(0);
    now += 1;
    expect((await stack.engine.sweep()).deadlinesEnforced).toBe(1);
  });

  it('cancels a timed-out parent’s unfinished children again once it has stayed parked past the settle grace', async () => {
    now = Date.now();
    held = gate();
    const parent = await parkedParent('BOUNDED_OVER_HELD');
    const [childId] = (await childIds(engineInternals(stack.engine).deps, parent.id)) as [string];
    const body = (jobId: string) => encodeWorkMessage({ jobId, rootId: parent.id, tenant: 'acme' });
    const childSlice = stack.engine.processBatch([{ body: body(childId) }]);
    await eventually(async () => (await jobs().get(childId))?.status === 'RUNNING');

    // Past the deadline the parent is woken, fails, parks done and asks its working child to cancel.
    now = parent.deadlineAt!;
    await stack.engine.sweep();
    await stack.engine.processBatch([{ body: body(parent.id) }]);
    const timedOut = (await jobs().get(parent.id))!;
    expect(timedOut).toMatchObject({ parked: 'done', timedOut: true, childrenDone: 0, childrenTotal: 1 });
    const asked = (await jobs().get(childId))!;
    expect(asked).toMatchObject({ status: 'STOPPING', cancelRequested: true });

    now = timedOut.parkedAt! + SETTLE_GRACE_MS;
    expect((await stack.engine.sweep()).deadlinesEnforced).toBe(0);
    expect((await jobs().get(childId))?.version).toBe(asked.version);
    now += 1;
    expect((await stack.engine.sweep()).deadlinesEnforced).toBe(1);
    expect((await jobs().get(childId))?.version).toBeGreaterThan(asked.version);

    held.open();
    await childSlice;
    expect((await jobs().get(childId))?.status).toBe('CANCELED');
    expect((await jobs().get(parent.id))?.status).toBe('FINISHED');
  });
});
