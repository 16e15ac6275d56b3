import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import type { CrashPoint } from '@stint/core/crash-points';
import type { JobRecord } from '@stint/core/job-record';
import { readSummary, type Summary } from '@stint/core/query/stats-reader';
import { childIds } from '@stint/core/engine/job-tree';
import { cascadeKey, jobIdOfPk, listPartition } from '@stint/core/store/table-keys';
import { ADMIN_TENANT } from '@stint/core/auth/principal';
import { DUE_PARTITION, dueSortKey } from '@stint/core/store/table-keys';
import { attachTestStack, createTestStack, type Emulators, type TestStack } from './stack.ts';
import { CRASH_SCHEDULE, crashScenarioJobs, stepRuns } from './crash-scenarios.ts';
import type { CrashAction, CrashProcessSetup } from './crash-process.ts';
import { engineInternals } from '@stint/core/testing';

/** Short enough that a dead process's lease lapses within a test; the sweeper runs every SWEEP_MS. */
export const LEASE_MS = 1_500;
export const SWEEP_MS = 200;
const REDISPATCH_MS = 1_000;
const SETTLE_GRACE_MS = 500;
const COUNTER_SETTLE_MS = 400;

/** One crash-point test: what a process does before it is killed at `point`, and what recovery must reach. */
export interface CrashCase {
  title: string;
  point: CrashPoint;
  /** Both processes run CRASH_SCHEDULE. */
  schedules?: boolean;
  run: (h: CrashHarness) => Promise<void>;
}

export interface CrashHarness {
  stack: TestStack;
  emulators: Emulators;
  /** Runs a process that performs `action` and dies at `point`; resolves with the job id the point named. */
  crashAt(point: CrashPoint, action: CrashAction, options?: { after?: number; jobType?: string; sliceBudgetMs?: number }): Promise<string | undefined>;
  /** This process recovers as any other worker would: it polls and sweeps until `done`. */
  recover(done: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  job(id: string): Promise<JobRecord | undefined>;
  /** Ids of the root jobs in tenant acme, newest first. */
  roots(): Promise<string[]>;
  children(id: string): Promise<JobRecord[]>;
  steps(id: string): Promise<Record<string, number>>;
  markerOf(id: string): Promise<unknown>;
  /** The cards of tenant acme's root user jobs, as the monitor reads them. */
  summary(): Promise<Summary>;
  /** Plans CRASH_SCHEDULE's row (harness made with `schedules`) and makes it due now, as if tonight had come. */
  scheduleDue(): Promise<void>;
  stop(): Promise<void>;
}

export async function crashHarness(emulators: Emulators, { schedules = false }: { schedules?: boolean } = {}): Promise<CrashHarness> {
  const timings = { redispatchAfterMs: REDISPATCH_MS, settleGraceMs: SETTLE_GRACE_MS, counterSettleMs: COUNTER_SETTLE_MS };
  const base = await createTestStack(emulators, {
    definitions: [],
    tuning: { leaseMs: LEASE_MS, maxInFlightPerRoot: 4 },
    // A dead process's received messages come back this soon, as SQS returns them.
    visibilityTimeoutSeconds: 2,
    ...timings,
  });
  // The jobs count their steps in the table they run on, so the engine that runs them is built
  // once it exists (a schedule's job type must be registered when its engine is built).
  const stack = attachTestStack(base.clients, base.provisioned, base.config, {
    definitions: crashScenarioJobs(base.clients.dynamo, base.config.tableName),
    ...(schedules ? { schedules: [CRASH_SCHEDULE] } : {}),
    ...timings,
  });
  let sweeping = false;
  let sweeper: Promise<void> | undefined;
  const { jobs } = engineInternals(stack.engine).deps;
  return {
    stack,
    emulators,
    async crashAt(point, action, options = {}) {
      const setup: CrashProcessSetup = {
        provisioned: stack.provisioned,
        config: { ...stack.config, ...(options.sliceBudgetMs ? { sliceBudgetMs: options.sliceBudgetMs } : {}) },
        action,
        redispatchAfterMs: REDISPATCH_MS,
        settleGraceMs: SETTLE_GRACE_MS,
        sweepEveryMs: SWEEP_MS,
        schedules,
      };
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/crash-process.ts'], {
        env: {
          ...process.env,
          TEST_DYNAMO_ENDPOINT: emulators.dynamoEndpoint,
          TEST_AWS_ENDPOINT: emulators.awsEndpoint,
          TEST_SETUP: JSON.stringify(setup),
          STINT_CRASH_POINT: point,
          ...(options.after ? { STINT_CRASH_AFTER: String(options.after) } : {}),
          ...(options.jobType ? { STINT_CRASH_JOB_TYPE: options.jobType } : {}),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      const reached = new RegExp(`crash point ${point.replace('.', '\\.')} reached(?: \\(job (\\S+)\\))?`).exec(stderr);
      expect(reached, stderr.slice(-2_000)).not.toBeNull();
      expect(signal).toBe('SIGKILL');
      return reached![1];
    },
    async recover(done, timeoutMs = 40_000) {
      // One sweep at a time, as the scheduled sweeper Lambda runs.
      sweeping = true;
      sweeper ??= (async () => {
        while (sweeping) {
          await stack.engine.sweep().catch(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, SWEEP_MS));
        }
      })();
      await stack.runUntil(done, timeoutMs);
    },
    job: (id) => jobs.get(id),
    async roots() {
      const page = await jobs.queryIndex({ index: 'gsi1', partition: listPartition('acme', { system: false, child: false }), ascending: false });
      return page.keys.map((key) => jobIdOfPk(key.pk!));
    },
    async children(id) {
      return [...(await jobs.getMany(await childIds(engineInternals(stack.engine).deps, id))).values()];
    },
    steps: (id) => stepRuns(stack.clients.dynamo, stack.config.tableName, id),
    markerOf: (id) => jobs.getItem(cascadeKey(id)),
    summary: () => readSummary(jobs, 'acme'),
    async scheduleDue() {
      await stack.engine.sweep();
      const past = Date.now() - 1_000;
      await engineInternals(stack.engine).schedules.store.touch(ADMIN_TENANT, CRASH_SCHEDULE.id, {
        set: { nextRunAt: past, gsi5pk: DUE_PARTITION, gsi5sk: dueSortKey(past, ADMIN_TENANT, CRASH_SCHEDULE.id) },
      });
    },
    async stop() {
      sweeping = false;
      await sweeper;
      await stack.stop();
    },
  };
}

/** Each of `steps` steps ran exactly once, but for at most `rerun` of them, which ran twice. */
export function expectStepsRan(runs: Record<string, number>, steps: readonly string[], rerun = 0): void {
  expect(Object.keys(runs).sort()).toEqual(steps.map((step) => `0#${step}`).sort());
  const twice = Object.values(runs).filter((n) => n === 2).length;
  expect(Object.values(runs).every((n) => n === 1 || n === 2)).toBe(true);
  expect(twice).toBeLessThanOrEqual(rerun);
}
