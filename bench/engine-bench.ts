import { startEmulators } from '@stint/local/emulators';
import { runFloor } from './floor.ts';
import { runPipeline } from './pipeline.ts';
import type { Scenario } from './ceilings.ts';
import { pipelineScenarioOf } from './scale-bench.ts';

const JOBS = Number(process.env.BENCH_JOBS ?? 1_000);
const CONCURRENCY = 8;

/**
 * Issue 2's benchmark. Cost comes from DynamoDB Local, which reports index write units the
 * way AWS bills them (dynalite reports the base table only); throughput is measured on both
 * emulators, each beside its own floor in the same run. DynamoDB Local's units per partition
 * key go to `scale` (the scale suite's first scenario).
 */
export async function runEngineBench(scale: Scenario[] = []) {
  const results: Record<string, unknown> = {};
  for (const backend of ['dynamodb-local', 'dynalite'] as const) {
    const emulators = await startEmulators({ dynamo: backend });
    try {
      const floor = await runFloor(emulators, JOBS, CONCURRENCY);
      const { keyLoads, ...pipeline } = await runPipeline(emulators, JOBS, CONCURRENCY);
      if (backend === 'dynamodb-local') scale.push(pipelineScenarioOf(keyLoads, JOBS));
      results[backend] = { pipeline, floor, throughputRatio: pipeline.jobsPerSecond / floor.jobsPerSecond };
    } finally {
      await emulators.stop();
    }
  }
  const primary = results['dynamodb-local'] as {
    pipeline: { usdPerMillionJobs: number; jobsPerSecond: number };
    floor: { jobsPerSecond: number };
    throughputRatio: number;
  };
  return {
    usdPerMillionJobs: round(primary.pipeline.usdPerMillionJobs),
    jobsPerSecond: round(primary.pipeline.jobsPerSecond),
    floorJobsPerSecond: round(primary.floor.jobsPerSecond),
    throughputRatio: round(primary.throughputRatio),
    targets: { usdPerMillionJobs: 5, throughputRatio: 0.5 },
    byBackend: results,
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
