import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob, NonRetriableError } from '@stint/sdk';
import { encodeWorkMessage } from '@stint/core/work-queue';
import { childIds } from '@stint/core/engine/job-tree';
import { engineInternals } from '@stint/core/testing';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { gate } from '../support/gate.ts';
import { placeJob } from '../support/jobs.ts';

/**
 * How a run's end is written (slice-outcomes.ts): a parent whose own run ends before its
 * children parks as `done` and is finished by its last child; an error is kept to its first
 * 2,000 characters; only an ended job gets an expiry, never a STOPPED one, which waits for
 * its resume however long that takes; a cancel reaching a job no worker holds ends it
 * CANCELED at once, counted on its parent.
 */
let held = gate();
const LEAF = defineJob({ type: 'LEAF', run: async (ctx) => void (await ctx.step('wait', () => held.opened)) });
/** Spawns two held children and ends its own run without waiting for them. */
const FIRE_AND_FORGET = defineJob({
  type: 'FIRE_AND_FORGET',
  async run(ctx) {
    await ctx.spawn('LEAF', {});
    await ctx.spawn('LEAF', {});
    return { own: 'done' };
  },
});
const WAITING_PARENT = defineJob({
  type: 'WAITING_PARENT',
  async run(ctx) {
    await ctx.spawn('LEAF', {});
    await ctx.waitForChildren();
  },
});
const LONG_ERROR = 'x'.repeat(2_500);
const FAILS_LONG = defineJob({ type: 'FAILS_LONG', run: () => Promise.reject(new NonRetriableError(LONG_ERROR)) });

/** The engine's retention in the test stack, in seconds. */
const RETENTION_S = 30 * 86_400;

describe.each(DYNAMO_BACKENDS)('a run’s end on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [LEAF, FIRE_AND_FORGET, FAILS_LONG] });
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const jobs = () => engineInternals(stack.engine).deps.jobs;

  it('parks a parent whose own run ended before its children, holding no worker, and finishes it with the last child', async () => {
    held = gate();
    const { job } = await stack.engine.submit({ type: 'FIRE_AND_FORGET', tenant: 'acme' });
    await stack.runUntil(async () => (await jobs().get(job.id))?.parked === 'done');

    const parked = (await jobs().get(job.id))!;
    expect(parked).toMatchObject({ status: 'RUNNING', results: { own: 'done' }, childrenTotal: 2, childrenDone: 0, gsi5pk: expect.stringMatching(/^W#/) });
    expect(parked.leaseOwner).toBeUndefined();
    expect(parked.dispatchedAt).toBeUndefined();
    expect(parked.endDate).toBeUndefined();
    expect(stack.events.filter((event) => event.type === 'sliceEnded' && event.jobId === job.id).map((event) => 'outcome' in event && event.outcome)).toEqual([
      'parked',
    ]);

    held.open();
    await stack.runUntil(async () => (await jobs().get(job.id))?.status === 'FINISHED');
    const finished = (await jobs().get(job.id))!;
    expect(finished).toMatchObject({ results: { own: 'done' }, childrenDone: 2, hasErrors: false });
    expect(finished.gsi5pk).toBeUndefined();
    expect(stack.events.filter((event) => event.type === 'jobEnded' && event.jobId === job.id)).toHaveLength(1);
  });

  it('keeps the first 2,000 characters of a failed run’s error', async () => {
    const { job } = await stack.engine.submit({ type: 'FAILS_LONG', tenant: 'acme' });
    await stack.runUntil(async () => (await jobs().get(job.id))?.status === 'FINISHED');
    const failed = (await jobs().get(job.id))!;
    expect(failed.hasErrors).toBe(true);
    expect(failed.error).toHaveLength(2_000);
    expect(LONG_ERROR.includes(failed.error!)).toBe(true);
  });

  it('gives a stopped job no expiry, and a canceled one the retention', async () => {
    const placed = await placeJob(jobs(), { type: 'LEAF', status: 'PENDING' });
    // Slices lost before the stop count no more: a resumed job starts its count afresh.
    await jobs().tryUpdate(placed.id, { set: { lostSlices: 2 } });
    await stack.engine.apply('stop', placed.id, { tenant: 'acme' });
    const stopped = (await jobs().get(placed.id))!;
    expect(stopped.status).toBe('STOPPED');
    expect(stopped.lostSlices).toBe(0);
    expect(stopped.expiresAt).toBeUndefined();

    await stack.engine.apply('cancel', placed.id, { tenant: 'acme' });
    const canceled = (await jobs().get(placed.id))!;
    expect(canceled.status).toBe('CANCELED');
    expect(canceled.expiresAt).toBe(Math.floor(canceled.endDate! / 1000) + RETENTION_S);
  });

  it('ends CANCELED, with an expiry and counted on its parent, a job without a worker that a cancel reached', async () => {
    // Its own stack, with no poller: slices run only when the test runs them.
    const quiet = await createTestStack(emulators, { definitions: [LEAF, WAITING_PARENT] });
    const { job: parent } = await quiet.engine.submit({ type: 'WAITING_PARENT', tenant: 'acme' });
    await quiet.engine.processBatch([{ body: encodeWorkMessage({ jobId: parent.id, rootId: parent.id, tenant: 'acme' }) }]);
    const [childId] = (await childIds(engineInternals(quiet.engine).deps, parent.id)) as [string];
    await quiet.engine.apply('stop', parent.id, { tenant: 'acme' });
    // The child alone goes back to waiting, holding no worker, while its parent stays stopped.
    expect((await quiet.engine.apply('resume', childId, { tenant: 'acme' }))?.status).toBe('PENDING');

    await quiet.engine.apply('cancel', parent.id, { tenant: 'acme' });
    const child = (await engineInternals(quiet.engine).deps.jobs.get(childId))!;
    expect(child.status).toBe('CANCELED');
    expect(child.cancelRequested).toBeUndefined();
    expect(child.expiresAt).toBe(Math.floor(child.endDate! / 1000) + RETENTION_S);
    expect(quiet.events.filter((event) => event.type === 'jobEnded' && event.jobId === childId)).toEqual([expect.objectContaining({ status: 'CANCELED' })]);
    expect(await engineInternals(quiet.engine).deps.jobs.get(parent.id)).toMatchObject({ status: 'CANCELED', childrenDone: 1, childrenTotal: 1 });
  });
});
