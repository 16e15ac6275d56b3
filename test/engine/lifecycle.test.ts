import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { JOB_STATUSES, OPERATIONS, type JobStatus, type Operation } from '@stint/core';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { placeJob } from '../support/jobs.ts';
import { engineInternals } from '@stint/core/testing';

const RESTARTABLE = defineJob({ type: 'RESTARTABLE', restartable: true, run: async () => ({}) });

/**
 * Where each allowed operation leads (DESIGN.md's lifecycle table); null = the job is deleted.
 * A status missing from an operation's row is one it must refuse: the table, not the code
 * under test, says which.
 */
const EXPECTED: Record<Operation, Partial<Record<JobStatus, JobStatus | null>>> = {
  stop: { PENDING: 'STOPPED', RUNNING: 'STOPPING' },
  resume: { STOPPED: 'PENDING' },
  'force-stop': { STOPPING: 'STOPPED' },
  cancel: { STOPPED: 'CANCELED' },
  restart: { FINISHED: 'PENDING' },
  // Of a job whose run failed: it runs again from the failed step.
  retry: { FINISHED: 'PENDING' },
  'set-low-priority': { PENDING: 'PENDING', RUNNING: 'RUNNING', STOPPED: 'STOPPED' },
  'remove-low-priority': { PENDING: 'PENDING', RUNNING: 'RUNNING', STOPPED: 'STOPPED' },
  delete: { FINISHED: null, CANCELED: null },
};

const pairs = JOB_STATUSES.flatMap((status) => OPERATIONS.map((operation) => ({ status, operation })));

describe.each(DYNAMO_BACKENDS)('status × operation on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [RESTARTABLE] });
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  it.each(pairs)('$operation from $status', async ({ status, operation }) => {
    // Prepare: a running job holds a live lease, as it would while a worker runs it.
    const placed = await placeJob(engineInternals(stack.engine).deps.jobs, {
      type: 'RESTARTABLE',
      status,
      leased: status === 'RUNNING' || status === 'STOPPING',
      lowPriority: operation === 'remove-low-priority',
      ...(operation === 'retry' ? { failed: 'step 2 threw' } : {}),
    });
    const before = await engineInternals(stack.engine).deps.jobs.get(placed.id);

    // Act
    const attempt = stack.engine.apply(operation, placed.id, { tenant: 'acme' });

    // Assess
    if (!(status in EXPECTED[operation])) {
      await expect(attempt).rejects.toMatchObject({ code: 'conflict' });
      expect(await engineInternals(stack.engine).deps.jobs.get(placed.id)).toEqual(before);
      return;
    }
    const job = await attempt;
    const expected = EXPECTED[operation][status];
    if (expected === null) {
      expect(job).toBeNull();
      expect(await engineInternals(stack.engine).deps.jobs.get(placed.id)).toBeUndefined();
      return;
    }
    expect(job?.status).toBe(expected);
    if (operation === 'set-low-priority') expect(job?.lowPriority).toBe(true);
    if (operation === 'remove-low-priority') expect(job?.lowPriority).toBe(false);
  });

  it('answers 404-style notFound for another tenant’s job, changing nothing', async () => {
    const placed = await placeJob(engineInternals(stack.engine).deps.jobs, { type: 'RESTARTABLE', status: 'STOPPED', tenant: 'other' });
    await expect(stack.engine.apply('resume', placed.id, { tenant: 'acme' })).rejects.toMatchObject({ code: 'notFound' });
    expect((await engineInternals(stack.engine).deps.jobs.get(placed.id))?.status).toBe('STOPPED');
  });

  it('refuses to restart a type that is not restartable', async () => {
    const other = await createTestStack(emulators, { definitions: [defineJob({ type: 'ONCE', run: async () => ({}) })] });
    const placed = await placeJob(engineInternals(other.engine).deps.jobs, { type: 'ONCE', status: 'FINISHED' });
    await expect(other.engine.apply('restart', placed.id, { tenant: 'acme' })).rejects.toMatchObject({ code: 'conflict' });
    expect((await engineInternals(other.engine).deps.jobs.get(placed.id))?.status).toBe('FINISHED');
  });
});
