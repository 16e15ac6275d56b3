import { startEmulators } from '@stint/local/emulators';
import { runFloor } from './floor.ts';
import { runPipeline } from './pipeline.ts';

const JOBS = Number(process.env.BENCH_JOBS ?? 1_000);
const CONCURRENCY = 8;

/**
 * Issue 2's benchmark. Cost comes from DynamoDB Local, which reports index write units the
 * way AWS bills them (dynalite reports the base table only); throughput is measured on both
 * emulators, each beside its own floor in the same run.
 */
export async function runEngineBench() {
  const results: Record<string, unknown> = {};
  for (const backend of ['dynamodb-local', 'dynalite'] as const) {
    const emulators = await startEmulators({ dynamo: backend });
    try {
      const floor = await runFloor(emulators, JOBS, CONCURRENCY);
      const pipeline = await runPipeline(emulators, JOBS, CONCURRENCY);
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
