import { defineJob } from '@stint/sdk';
import { TenantDirectory } from '@stint/core/auth';
import { MonitorReader } from '@stint/core/query';
import { JobStore } from '@stint/core/store';
import { createTestStack, emulatorClients, startEmulators, type TestStack } from '../test/support/stack.ts';
import type { KeyLoad } from './ceilings.ts';
import { attachMeter, PRICES } from './meter.ts';
import type { Emulators } from '@stint/local/emulators';

const NOOP = defineJob({ type: 'NOOP', run: async (ctx) => void (await ctx.step('noop', () => true)) });

/** Issue 14's typical job: 10 steps, 20 log lines, 2 KB of data (`TYPICAL_DATA`). */
const TYPICAL = defineJob<{ payload: string }>({
  type: 'TYPICAL',
  async run(ctx) {
    for (let i = 0; i < 10; i++) {
      await ctx.step(`step-${i}`, () => ({ record: i, size: ctx.data.payload.length }));
      ctx.log.info(`step ${i}: record ${i} read`);
      ctx.log.info(`step ${i}: record ${i} written`, { record: i });
    }
  },
});
const TYPICAL_DATA = { payload: 'x'.repeat(2_048) };

/** What the pipeline pushes through: no-op single-step jobs, or the typical job. */
export type PipelineJob = 'noop' | 'typical';
const JOB_KINDS = { noop: { definition: NOOP, data: undefined }, typical: { definition: TYPICAL, data: TYPICAL_DATA } } as const;

export interface PipelineFigures {
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
  perJob: { writeUnits: number; readUnits: number; sqsRequests: number; lambdaInvocations: number };
  writeUnitsPerJobBy: Record<string, number>;
  usdPerMillionJobs: number;
  /** Units per partition key (the scale suite's input; too long to print). */
  keyLoads: KeyLoad[];
}

/**
 * Jobs through the whole pipeline: submit (one api invocation each), the poller feeding the
 * worker handler SQS batches, slices, counters, and completion. No-op single-step jobs unless
 * `kind` asks for the typical job.
 */
export async function runPipeline(emulators: Emulators, jobs: number, concurrency: number, kind: PipelineJob = 'noop'): Promise<PipelineFigures> {
  const { definition, data } = JOB_KINDS[kind];
  const stack = await createTestStack(emulators, { definitions: [definition], concurrency: 4, batchSize: 10 });
  const meter = attachMeter(stack.clients);
  const batches = countBatches(stack);
  const started = performance.now();
  stack.poller.start();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs) {
        next++;
        await stack.engine.submit({ type: definition.type, tenant: 'bench', ...(data ? { data } : {}) });
      }
    }),
  );
  // The completion polling is the bench's own, read through a client without the meter.
  const { dynamo } = emulatorClients(emulators);
  const watch = new MonitorReader({
    jobs: new JobStore(dynamo, stack.config.tableName),
    tenants: new TenantDirectory(dynamo, stack.config.tableName),
    clock: Date.now,
  });
  await stack.runUntil(async () => (await watch.summary({ tenant: 'bench' })).completed >= jobs, 600_000);
  const seconds = (performance.now() - started) / 1000;
  await stack.stop();
  const perJob = {
    writeUnits: meter.writeUnits / jobs,
    readUnits: meter.readUnits / jobs,
    sqsRequests: meter.sqsRequests / jobs,
    lambdaInvocations: (jobs + batches.count) / jobs,
  };
  return {
    writeUnitsPerJobBy: Object.fromEntries(
      Object.entries(meter.writesBy)
        .map(([label, units]) => [label, Math.round((units / jobs) * 100) / 100] as const)
        .sort((a, b) => b[1] - a[1]),
    ),
    jobs,
    seconds,
    jobsPerSecond: jobs / seconds,
    perJob,
    keyLoads: meter.keyLoads(),
    usdPerMillionJobs:
      1e6 *
      (perJob.writeUnits * PRICES.writeUnit +
        perJob.readUnits * PRICES.readUnit +
        perJob.sqsRequests * PRICES.sqsRequest +
        perJob.lambdaInvocations * PRICES.lambdaRequest),
  };
}

/** Counts the worker invocations (SQS batches) the stack's poller delivers: `reset()` starts again. */
export function countBatches(stack: TestStack): { count: number; reset(): void } {
  const batches = {
    count: 0,
    reset() {
      this.count = 0;
    },
  };
  const handler = stack.poller.options.handler;
  stack.poller.options.handler = async (event) => {
    batches.count++;
    return handler(event);
  };
  return batches;
}

export { emulatorClients, startEmulators };
