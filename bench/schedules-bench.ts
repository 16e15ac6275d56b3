import { defineJob, defineSchedule, JobRegistry } from '@stint/sdk';
import { Engine, type StintConfig } from '@stint/core';
import { TenantDirectory } from '@stint/core/auth';
import { emulatorClients, startEmulators } from '@stint/local/emulators';
import { provision } from '@stint/local/provision';
import { attachMeter, type Meter } from './meter.ts';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 1_000);
const NOOP = defineJob({ type: 'NOOP', run: async () => ({}) });
const nightly = defineSchedule({
  id: 'nightly',
  description: 'one run per tenant at 02:00',
  jobType: 'NOOP',
  data: {},
  scope: 'tenant',
  automatic: { cron: '0 2 * * *', timeZone: 'UTC' },
});

/**
 * What schedules cost the sweeper with many tenants, on DynamoDB Local (it reports index
 * write units): the first reconcile (a row per tenant), a steady-state sweep with nothing
 * due, and the sweep that fires every tenant's nightly run at once.
 */
export async function runSchedulesBench() {
  const emulators = await startEmulators({ dynamo: 'dynamodb-local' });
  try {
    const clients = emulatorClients(emulators);
    const provisioned = await provision(clients, { tableName: 'bench-schedules', bucketName: 'bench-schedules', queuePrefix: 'bench-schedules-' });
    const config: StintConfig = {
      tableName: provisioned.tableName,
      workQueueUrl: provisioned.queueUrls.work,
      lowQueueUrl: provisioned.queueUrls.low,
      bucketName: provisioned.bucketName,
      sliceBudgetMs: 30_000,
      leaseMs: 60_000,
      maxInFlightPerRoot: 4,
      retentionDays: 30,
    };
    let now = Date.parse('2026-06-01T00:00:00Z');
    const engine = new Engine({ clients, config, registry: new JobRegistry([NOOP]), schedules: [nightly], clock: () => now });
    const tenants = new TenantDirectory(clients.dynamo, config.tableName);
    for (let i = 0; i < TENANTS; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, TENANTS - i) }, (_, j) => tenants.remember(`tenant-${i + j}`)));
    }
    const meter = attachMeter(clients);
    const measure = async () => {
      meter.reset();
      const began = performance.now();
      const report = await engine.sweep();
      return { ms: Math.round(performance.now() - began), report, ...units(meter) };
    };
    const reconcile = await measure();
    const steady = await measure();
    now = Date.parse('2026-06-01T02:00:30Z');
    const fire = await measure();
    return {
      tenants: TENANTS,
      reconcile: { ms: reconcile.ms, rowsCreated: reconcile.report.schedulesReconciled, readUnits: reconcile.readUnits, writeUnits: reconcile.writeUnits },
      steadySweep: { ms: steady.ms, readUnits: steady.readUnits, writeUnits: steady.writeUnits },
      fire: {
        ms: fire.ms,
        runsStarted: fire.report.schedulesStarted,
        failed: fire.report.schedulesFailed,
        runsPerSecond: Math.round((fire.report.schedulesStarted / fire.ms) * 1000),
        writeUnitsPerRun: round(fire.writeUnits / Math.max(1, fire.report.schedulesStarted)),
        readUnitsPerRun: round(fire.readUnits / Math.max(1, fire.report.schedulesStarted)),
      },
    };
  } finally {
    await emulators.stop();
  }
}

function units(meter: Meter) {
  return { readUnits: round(meter.readUnits), writeUnits: round(meter.writeUnits) };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
