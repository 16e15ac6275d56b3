import { defineJob, type JobContext } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import type { CounterBatch } from '@stint/core/store/counter-store';
import { inFlightSpec } from '@stint/core/engine/dispatch-specs';
import type { JobRecord } from '@stint/core/job-record';
import { newJobId } from '@stint/core/new-job';
import { statusIndexKeys } from '@stint/core/store/table-keys';
import { engineInternals } from '@stint/core/testing';
import type { EmulatorOptions } from '@stint/local/emulators';
import { engineStack } from './engine-stack.ts';
import { jobItem } from './job-items.ts';

export const LEASE_MS = 30_000;
export const BUDGET_MS = 10_000;

/** What each placed job's run does, by job id: every test scripts its own jobs. */
const scripts = new Map<string, (ctx: JobContext) => unknown>();
const scripted = async (ctx: JobContext) => (await scripts.get(ctx.job.id)?.(ctx)) as Record<string, unknown> | undefined;

/** Retries after 2 s, 4 s, then 5 s (the cap): four attempts in all. */
export const PLAIN = defineJob({ type: 'PLAIN', retry: { maxAttempts: 4, backoffMs: 2_000, maxBackoffMs: 5_000 }, run: scripted });
export const TIMED = defineJob({ type: 'TIMED', timeoutMs: 60_000, retry: { maxAttempts: 1 }, run: scripted });
export const UNSTOPPABLE = defineJob({ type: 'UNSTOPPABLE', stoppable: false, run: scripted });

/**
 * A stack for running work messages through the slice runner by hand
 * (packages/core/src/engine/slice-runner.ts) on jobs placed as dispatch leaves them, each
 * job's run scripted by its test. The engine's clock is the test's (lease 30 s, slice budget
 * 10 s); no poller runs. Call inside a describe (engineStack).
 */
export function sliceRunStack(backend: NonNullable<EmulatorOptions['dynamo']>, clock: () => number) {
  const { stack, deps, read } = engineStack(backend, {
    definitions: [PLAIN, TIMED, UNSTOPPABLE],
    clock,
    tuning: { leaseMs: LEASE_MS, sliceBudgetMs: BUDGET_MS },
  });
  const internals = () => engineInternals(stack().engine);

  return {
    stack,
    deps,
    read,
    dispatcher: () => internals().dispatcher,
    /** A job of `type` in `status` as dispatch leaves it: in its root's in-flight set, its message sent 1 s ago, created 5 s ago. */
    async place(type: string, status: JobStatus = 'PENDING', fields: Partial<JobRecord> = {}): Promise<JobRecord> {
      const now = clock();
      const id = newJobId(now);
      const base = jobItem({ id, type, createDate: now - 5_000, parentId: fields.parentId ?? null, rootId: fields.rootId ?? id });
      const record: JobRecord = {
        ...base,
        status,
        ...statusIndexKeys(base, status),
        ...(status !== 'PENDING' ? { startDate: now - 1_000 } : {}),
        ...(inFlightSpec(base, now - 1_000).set as Partial<JobRecord>),
        ...fields,
      };
      await deps().jobs.create(record);
      return record;
    },
    /** Runs `job`'s work message through the slice runner, its run doing `body` (nothing, by default). */
    async process(job: JobRecord, body?: (ctx: JobContext) => unknown, counters: CounterBatch = deps().counters.batch()) {
      if (body) scripts.set(job.id, body);
      return internals().slices.process({ v: 1, jobId: job.id, rootId: job.rootId, tenant: job.tenant }, counters);
    },
  };
}
