import { afterAll, afterEach, beforeAll } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import { setCrashPointHook } from '@stint/core/crash-points';
import { JobRun } from '@stint/core/engine/job-run';
import type { JobRecord } from '@stint/core/job-record';
import { newJobId } from '@stint/core/new-job';
import type { Checkpoint } from '@stint/core/store/checkpoint-store';
import { statusIndexKeys } from '@stint/core/store/table-keys';
import { engineInternals } from '@stint/core/testing';
import type { EmulatorOptions } from '@stint/local/emulators';
import { createTestStack, startEmulators, type Emulators, type TestStack } from './stack.ts';
import { jobItem } from './job-items.ts';

export const NODE = defineJob({ type: 'NODE', run: async () => ({}) });
export const STUBBORN = defineJob({ type: 'STUBBORN', stoppable: false, run: async () => ({}) });
export const LEASE = { epoch: 2, owner: 'worker-a' };
export const LEASE_MS = 30_000;
export const BUDGET_MS = 10_000;

/**
 * A stack for driving one slice's JobRun by hand (packages/core/src/engine/job-run.ts): its
 * clock is the test's (lease 30 s, so a renewal is due every 10 s; slice budget 10 s), no
 * poller runs, and jobs are placed RUNNING under LEASE. Call inside a describe: it adds the
 * describe's hooks.
 */
export function jobRunStack(backend: NonNullable<EmulatorOptions['dynamo']>, clock: () => number) {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [NODE, STUBBORN], clock, tuning: { leaseMs: LEASE_MS, sliceBudgetMs: BUDGET_MS } });
  });
  afterEach(() => setCrashPointHook(undefined));
  afterAll(async () => {
    await emulators?.stop();
  });

  const deps = () => engineInternals(stack.engine).deps;
  const ctx = () => ({ deps: deps(), dispatcher: engineInternals(stack.engine).dispatcher, counters: deps().counters.batch() });

  return {
    stack: () => stack,
    deps,
    read: async (id: string) => (await deps().jobs.get(id))!,
    async place(status: JobStatus = 'RUNNING', fields: Partial<JobRecord> = {}): Promise<JobRecord> {
      const now = clock();
      const id = newJobId(now);
      const base = jobItem({ id, createDate: now - 5_000 });
      const record: JobRecord = {
        ...base,
        status,
        ...statusIndexKeys(base, status),
        startDate: now - 1_000,
        leaseOwner: LEASE.owner,
        leaseEpoch: LEASE.epoch,
        leaseExpiresAt: now + LEASE_MS,
        ...fields,
      };
      await deps().jobs.create(record);
      return record;
    },
    /** A run of `record` that starts now, with these checkpoints stored before it. */
    async runOf(record: JobRecord, stored: Checkpoint[] = [], definition = NODE) {
      for (const checkpoint of stored) await deps().checkpoints.save(record.id, checkpoint);
      return new JobRun(ctx(), definition, record, await deps().checkpoints.load(record.id));
    },
    checkpointNames: async (id: string) => [...(await deps().checkpoints.load(id)).keys()].sort(),
  };
}
