import { defineJob } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import { JobRun } from '@stint/core/engine/job-run';
import type { JobRecord } from '@stint/core/job-record';
import { newJobId } from '@stint/core/new-job';
import type { Checkpoint } from '@stint/core/store/checkpoint-store';
import { statusIndexKeys } from '@stint/core/store/table-keys';
import type { EmulatorOptions } from '@stint/local/emulators';
import { engineStack } from './engine-stack.ts';
import { jobItem } from './job-items.ts';

export const NODE = defineJob({ type: 'NODE', run: async () => ({}) });
export const STUBBORN = defineJob({ type: 'STUBBORN', stoppable: false, run: async () => ({}) });
export const LEASE = { epoch: 2, owner: 'worker-a' };
export const LEASE_MS = 30_000;
export const BUDGET_MS = 10_000;

/**
 * A stack for driving one slice's JobRun by hand (packages/core/src/engine/job-run.ts): its
 * clock is the test's (lease 30 s, so a renewal is due every 10 s; slice budget 10 s), no
 * poller runs, and jobs are placed RUNNING under LEASE. Call inside a describe (engineStack).
 */
export function jobRunStack(backend: NonNullable<EmulatorOptions['dynamo']>, clock: () => number) {
  const { stack, deps, ctx, read } = engineStack(backend, { definitions: [NODE, STUBBORN], clock, tuning: { leaseMs: LEASE_MS, sliceBudgetMs: BUDGET_MS } });

  return {
    stack,
    deps,
    ctx,
    read,
    async place(status: JobStatus = 'RUNNING', fields: Partial<JobRecord> = {}): Promise<JobRecord> {
      const now = clock();
      const id = newJobId(now);
      const base = jobItem({ id, createDate: now - 5_000, parentId: fields.parentId ?? null, rootId: fields.rootId ?? id });
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
