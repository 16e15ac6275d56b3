import { defineJob } from '@stint/sdk';
import { TenantDirectory } from '@stint/core/auth';
import { MonitorReader } from '@stint/core/query';
import { JobStore } from '@stint/core/store';
import { startEmulators, type Emulators } from '@stint/local/emulators';
import { createTestStack, emulatorClients } from '../test/support/stack.ts';
import { hottestPerClass, PARTITION_LIMITS, projectCeilings, type Ceiling, type HotKey, type Scenario } from './ceilings.ts';
import { attachMeter } from './meter.ts';
import { runPipeline } from './pipeline.ts';

const FANOUT_CHILDREN = Number(process.env.BENCH_FANOUT_CHILDREN ?? 2_000);
const FANOUT_TARGET = 10_000;
const TENANTS = 50;
// Enough jobs that a tenant's hottest status or counter shard shows the spread, not the sample:
// with 20 each, the hottest of the 200 PENDING shards took 1.2 write units a job where a shard's
// mean is 0.5 (6 of 20 jobs on one of 4 shards, by chance).
const JOBS_PER_TENANT = Number(process.env.BENCH_TENANT_JOBS ?? 80);
const TARGETS = { jobsPerSecondPerInstallation: 10_000, jobsPerSecondPerTenant: 1_000, childrenPerSecondPerRoot: 2_000 } as const;

const NOOP = defineJob({ type: 'NOOP', run: async (ctx) => void (await ctx.step('noop', () => true)) });
const FANOUT = defineJob<{ children: number }>({
  type: 'FANOUT',
  async run(ctx) {
    for (let i = 0; i < ctx.data.children; i++) await ctx.spawn('NOOP', { i });
    await ctx.waitForChildren();
  },
});

/**
 * Issue 17's hot-key meter: units per partition key (table and each index) while work flows
 * through the engine, and the ceilings DynamoDB's per-partition limits put on it. Three
 * scenarios, on DynamoDB Local (the emulator that reports index units per index):
 * - the engine bench's pipeline (one tenant, single-job roots), taken from its run when the
 *   engine suite ran first (run.ts passes it), else run here;
 * - a fan-out: one root spawning children (2,000 by default, BENCH_FANOUT_CHILDREN; units per
 *   child do not grow with the count, so the figure is projected to 10,000);
 * - 50 tenants submitting at once (BENCH_TENANT_JOBS each).
 * The bench's own completion polling reads through a client without the meter.
 */
export async function runScaleBench(fromEngine: Scenario[] = []) {
  const emulators = await startEmulators({ dynamo: 'dynamodb-local' });
  const scenarios: Scenario[] = [...fromEngine];
  try {
    if (scenarios.length === 0) scenarios.push(await pipelineScenario(emulators));
    scenarios.push(await fanOutScenario(emulators, FANOUT_CHILDREN));
    scenarios.push(await tenantsScenario(emulators, TENANTS, JOBS_PER_TENANT));
  } finally {
    await emulators.stop();
  }
  const ceilings = projectCeilings(scenarios);
  const hotKeys = scenarios.flatMap(hottestPerClass);
  printTable(hotKeys);
  console.log(
    `\nprojected ceilings (per partition key ≤ ${PARTITION_LIMITS.writeUnitsPerSecond} WCU/s, ≤ ${PARTITION_LIMITS.readUnitsPerSecond} RCU/s; fan-out measured with ${FANOUT_CHILDREN} of ${FANOUT_TARGET} children, per-child units projected):`,
  );
  for (const [name, ceiling] of Object.entries(ceilings)) console.log(`  ${name}: ${describe(ceiling)} (target ${TARGETS[name as keyof typeof TARGETS]})`);
  return {
    limits: PARTITION_LIMITS,
    scenarios: scenarios.map((s) => ({ name: s.name, jobsPer: s.jobsPer, measures: s.measures })),
    fanOut: { measuredChildren: FANOUT_CHILDREN, projectedTo: FANOUT_TARGET },
    ceilings: Object.fromEntries(Object.entries(ceilings).map(([name, c]) => [name, { perSecond: round(c.perSecond), limitedBy: c.limitedBy }])),
    targets: TARGETS,
    hotKeys: hotKeys.map((hot) => ({
      scenario: hot.scenario,
      index: hot.index,
      class: hot.class,
      scope: hot.scope,
      key: hot.key,
      writeUnitsPerJob: round(hot.writeUnitsPerJob),
      readUnitsPerJob: round(hot.readUnitsPerJob),
      jobsPerSecond: round(hot.jobsPerSecond),
      boundBy: hot.boundBy,
    })),
  };
}

/** The engine bench's pipeline as a scale scenario: one tenant, every job its own root. */
export function pipelineScenarioOf(loads: Scenario['loads'], jobs: number): Scenario {
  return {
    name: 'engine pipeline',
    loads,
    jobsPer: { installation: jobs, tenant: jobs },
    measures: ['jobsPerSecondPerInstallation', 'jobsPerSecondPerTenant'],
  };
}

async function pipelineScenario(emulators: Emulators): Promise<Scenario> {
  const jobs = Number(process.env.BENCH_JOBS ?? 1_000);
  const figures = await runPipeline(emulators, jobs, 8);
  return pipelineScenarioOf(figures.keyLoads, jobs);
}

async function fanOutScenario(emulators: Emulators, children: number): Promise<Scenario> {
  // A root that takes children at the rate the ceiling is about runs many at once: as many as
  // the workers take (4 batches of 10), where the default bound (4) would keep the tree to a few.
  const stack = await createTestStack(emulators, { definitions: [FANOUT, NOOP], concurrency: 4, batchSize: 10, tuning: { maxInFlightPerRoot: 40 } });
  const meter = attachMeter(stack.clients);
  const watch = unmetered(emulators, stack.config.tableName);
  const started = performance.now();
  const { job } = await stack.engine.submit({ type: 'FANOUT', tenant: 'fanout', data: { children } });
  await stack.runUntil(async () => (await watch.get(job.id, false))?.status === 'FINISHED', 1_800_000);
  await stack.stop();
  console.log(`fan-out: ${children} children in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  // Every job of the run is the tree's: a key of any scope took the units of these children.
  // Its in-flight shard is the root's own (key-classes.ts), which `oneRoot` says.
  return {
    name: `fan-out (1 root, ${children} children)`,
    loads: meter.keyLoads(),
    jobsPer: { installation: children, tenant: children, root: children },
    // Children are jobs too: the lane key every root shares bounds the installation's children.
    measures: ['jobsPerSecondPerInstallation', 'jobsPerSecondPerTenant', 'childrenPerSecondPerRoot'],
    oneRoot: true,
  };
}

async function tenantsScenario(emulators: Emulators, tenants: number, perTenant: number): Promise<Scenario> {
  const stack = await createTestStack(emulators, { definitions: [NOOP], concurrency: 4, batchSize: 10 });
  const meter = attachMeter(stack.clients);
  const watch = unmetered(emulators, stack.config.tableName);
  const names = Array.from({ length: tenants }, (_, i) => `t${String(i).padStart(2, '0')}`);
  // The cards of every tenant, read as an admin's are: the directory names the tenants.
  const directory = new TenantDirectory(watch.client, watch.tableName);
  for (const tenant of names) await directory.remember(tenant);
  const cards = new MonitorReader({ jobs: watch, tenants: directory, clock: Date.now });
  const started = performance.now();
  stack.poller.start();
  await Promise.all(
    names.map(async (tenant) => {
      for (let i = 0; i < perTenant; i++) await stack.engine.submit({ type: 'NOOP', tenant });
    }),
  );
  await stack.runUntil(async () => (await cards.summary({ allTenants: true })).completed >= tenants * perTenant, 1_800_000);
  await stack.stop();
  console.log(`tenants: ${tenants} × ${perTenant} jobs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return {
    name: `${tenants} tenants at once (${perTenant} jobs each)`,
    loads: meter.keyLoads(),
    jobsPer: { installation: tenants * perTenant, tenant: perTenant },
    measures: ['jobsPerSecondPerInstallation', 'jobsPerSecondPerTenant'],
  };
}

/** A store on its own client, so the bench's polling is not counted as the engine's reads. */
function unmetered(emulators: Emulators, tableName: string): JobStore {
  return new JobStore(emulatorClients(emulators).dynamo, tableName);
}

function printTable(hotKeys: HotKey[]) {
  console.table(
    hotKeys.map((hot) => ({
      scenario: hot.scenario,
      index: hot.index,
      class: hot.class,
      scope: hot.scope,
      'WCU/job': round(hot.writeUnitsPerJob),
      'RCU/job': round(hot.readUnitsPerJob),
      'jobs/s': Math.round(hot.jobsPerSecond),
      by: hot.boundBy,
    })),
  );
}

function describe(ceiling: Ceiling): string {
  if (!ceiling.limitedBy) return 'unbounded by any measured key';
  const { index, class: name, key, boundBy, scenario } = ceiling.limitedBy;
  return `${Math.round(ceiling.perSecond)}/s, set by ${index} ${name} (${key}, ${boundBy}s) in ${scenario}`;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
