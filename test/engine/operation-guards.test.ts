import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { setCrashPointHook } from '@stint/core/crash-points';
import { readSummary } from '@stint/core/query/stats-reader';
import { childIds } from '@stint/core/engine/job-tree';
import { cascadeKey } from '@stint/core/store/table-keys';
import { engineInternals } from '@stint/core/testing';
import { createTestStack, startEmulators, uniqueName, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { placeJob } from '../support/jobs.ts';
import { eventually } from '../support/gate.ts';

/**
 * What operations.ts refuses or does beyond the lifecycle table (lifecycle.test.ts): a job
 * still joining its parent or being deleted, a job that keeps changing under every attempt,
 * a RUNNING job whose worker died, and what a restart resets.
 */
const QUICK = defineJob({ type: 'QUICK', restartable: true, run: async (ctx) => ({ ran: await ctx.step('only', () => true) }) });
const PARENT = defineJob({ type: 'PARENT', run: async (ctx) => void (await ctx.waitForChildren()) });
const SCOPE = { tenant: 'acme' };

/** Operations read and write again this many times before answering 409 (operations.ts). */
const RACE_RETRIES = 5;

describe.each(DYNAMO_BACKENDS)('operation guards on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [QUICK, PARENT] });
  });
  afterEach(() => setCrashPointHook(undefined));
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const jobs = () => engineInternals(stack.engine).deps.jobs;

  it('refuses any operation on a child still joining its parent, changing nothing', async () => {
    const { job: parent } = await stack.engine.submit({ type: 'PARENT', tenant: 'acme' });
    setCrashPointHook((point, detail) => {
      if (point === 'submit.created' && detail.jobType === 'QUICK') throw new Error('died before the adoption');
    });
    await expect(stack.engine.submit({ type: 'QUICK', tenant: 'acme', parentId: parent.id })).rejects.toThrow('died before the adoption');
    setCrashPointHook(undefined);
    const [childId] = (await childIds(engineInternals(stack.engine).deps, parent.id)) as [string];
    const before = await jobs().get(childId);
    expect(before?.adopting).toBe(true);

    await expect(stack.engine.apply('stop', childId, SCOPE)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('joining its parent'),
    });
    expect(await jobs().get(childId)).toEqual(before);
  });

  it('refuses any operation on a job being deleted, changing nothing', async () => {
    const placed = await placeJob(jobs(), { type: 'QUICK', status: 'FINISHED' });
    setCrashPointHook((point, detail) => {
      if (point === 'cascade.applied' && detail.jobId === placed.id) throw new Error('died while deleting');
    });
    await expect(stack.engine.apply('delete', placed.id, SCOPE)).rejects.toThrow('died while deleting');
    setCrashPointHook(undefined);
    const before = await jobs().get(placed.id);
    expect(before?.deleting).toBe(true);

    await expect(stack.engine.apply('restart', placed.id, SCOPE)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('being deleted'),
    });
    expect(await jobs().get(placed.id)).toEqual(before);
  });

  it(`answers 409 after ${RACE_RETRIES} attempts when another writer changes the job under each of them`, async () => {
    const placed = await placeJob(jobs(), { type: 'QUICK', status: 'STOPPED' });
    let attempts = 0;
    let writing = false;
    setCrashPointHook(async (point, detail) => {
      // The other writer's own read passes through here too: it is let by.
      if (point !== 'operation.loaded' || detail.jobId !== placed.id || writing) return;
      attempts++;
      writing = true;
      await stack.engine.apply(attempts % 2 === 1 ? 'set-low-priority' : 'remove-low-priority', placed.id, SCOPE);
      writing = false;
    });

    await expect(stack.engine.apply('resume', placed.id, SCOPE)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('kept changing'),
      details: { jobId: placed.id, operation: 'resume' },
    });
    expect(attempts).toBe(RACE_RETRIES);
    expect((await jobs().get(placed.id))?.status).toBe('STOPPED');
  });

  it('stops a RUNNING job whose worker’s lease has expired at once, instead of waiting for that worker', async () => {
    const placed = await placeJob(jobs(), { type: 'QUICK', status: 'RUNNING', leased: true, now: Date.now() - 120_000 });
    const stopped = await stack.engine.apply('stop', placed.id, SCOPE);
    expect(stopped?.status).toBe('STOPPED');
    const after = await jobs().get(placed.id);
    expect(after?.leaseOwner).toBeUndefined();
    expect(after?.endDate).toBeDefined();
  });

  it('restarts a finished run from nothing: a new run with its counts, results, errors and dates cleared', async () => {
    const placed = await placeJob(jobs(), { type: 'QUICK', status: 'FINISHED', failed: 'step only threw' });
    await jobs().tryUpdate(placed.id, {
      set: { progress: 60, attempt: 2, retries: 1, lostSlices: 1, results: { partial: true }, expiresAt: 123, deadlineAt: 456, timedOut: true },
    });

    const restarted = await stack.engine.apply('restart', placed.id, SCOPE);
    expect(restarted).toMatchObject({ status: 'PENDING', progress: 0, hasErrors: false, startDate: null, endDate: null, results: null, error: null });
    const after = (await jobs().get(placed.id))!;
    expect(after).toMatchObject({
      run: placed.run + 1,
      attempt: 0,
      retries: 0,
      lostSlices: 0,
      progress: 0,
      childrenTotal: 0,
      childrenDone: 0,
      hasErrors: false,
    });
    for (const field of ['startDate', 'endDate', 'results', 'error', 'expiresAt', 'deadlineAt', 'timedOut'] as const) expect(after[field]).toBeUndefined();

    await stack.runUntil(async () => (await jobs().get(placed.id))?.status === 'FINISHED');
    expect((await jobs().get(placed.id))?.results).toEqual({ ran: true });
  });

  it('refuses to restart a job whose type this deployment no longer runs, changing nothing', async () => {
    const placed = await placeJob(jobs(), { type: 'RETIRED', status: 'FINISHED' });
    await expect(stack.engine.apply('restart', placed.id, SCOPE)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('RETIRED is not restartable'),
      details: { jobId: placed.id, operation: 'restart' },
    });
    expect((await jobs().get(placed.id))?.status).toBe('FINISHED');
  });

  it('counts a restarted job as active again on its tenant’s cards', async () => {
    const tenant = uniqueName('restart');
    const { job } = await stack.engine.submit({ type: 'QUICK', tenant });
    const cards = () => readSummary(jobs(), tenant);
    await stack.runUntil(async () => (await cards()).completed === 1);

    // No worker takes it meanwhile: the cards are read while it waits to run again.
    await stack.stop();
    await stack.engine.apply('restart', job.id, { tenant });
    await eventually(async () => (await cards()).active === 1);
    expect(await cards()).toEqual({ total: 1, active: 1, completed: 0, failed: 0, canceled: 0 });
  });

  it('leaves no operation marker behind once a delete is done, for the sweeper to redo', async () => {
    const placed = await placeJob(jobs(), { type: 'QUICK', status: 'FINISHED' });
    expect(await stack.engine.apply('delete', placed.id, SCOPE)).toBeNull();
    expect(await jobs().getItem(cascadeKey(placed.id))).toBeUndefined();
  });
});
