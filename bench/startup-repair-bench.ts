import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStore, logSortKey } from '@stint/core/store';
import { emulatorClients, startEmulators } from '@stint/local/emulators';
import { provision } from '@stint/local/provision';
import { repairLocalTable } from '@stint/local/repair/startup-repair';
import { createSeeder } from './monitor-seed.ts';

const LOG_LINES_PER_JOB = 4;

/**
 * What the startup repair adds to `npm start` as the local table grows: dynalite on disk in
 * this process, as the local stack runs it. The first repair of a seeded table also writes
 * every statistics bucket (the seeder writes summaries only); later ones only read.
 */
export async function runStartupRepairBench() {
  const dataDir = mkdtempSync(join(tmpdir(), 'stint-repair-bench-'));
  const emulators = await startEmulators({ dataDir });
  try {
    const clients = emulatorClients(emulators);
    const provisioned = await provision(clients, { tableName: 'stint-jobs', bucketName: 'bench-repair', queuePrefix: 'bench-repair-' });
    const store = new JobStore(clients.dynamo, provisioned.tableName);
    const seeder = await createSeeder(store, Date.now());
    const rows: Array<Record<string, number | string>> = [];
    const measure = async (label: string) => {
      const report = await repairLocalTable(clients.dynamo, provisioned.tableName);
      rows.push({
        label,
        jobs: report.jobs,
        items: report.items,
        indexEntries: report.entriesScanned,
        countersCorrected: report.countersCorrected,
        ms: report.ms,
      });
      console.log(
        `${label}: ${report.jobs} jobs, ${report.items} items, ${report.entriesScanned} index entries, ${report.countersCorrected} counter items written, ${report.ms} ms`,
      );
    };
    for (const size of [1_000, 10_000]) {
      await seeder.grow(size - seeder.size);
      await measure(`${size} jobs, first repair`);
      await measure(`${size} jobs, sound table`);
    }
    // Logs share the job partitions: the scan reads them too.
    const jobs = await store.queryIndex({ index: 'gsi1', partition: `T#${seeder.tenants[0]}#u`, limit: 10_000 });
    const now = Date.now();
    await store.batchWrite(
      jobs.keys.flatMap((key) =>
        Array.from({ length: LOG_LINES_PER_JOB }, (_, i) => ({
          PutRequest: { Item: { pk: key.pk, sk: logSortKey(now, i), level: 'INFO', message: 'a log line of ordinary length for the bench' } },
        })),
      ),
    );
    await measure(`10000 jobs and ${jobs.keys.length * LOG_LINES_PER_JOB} log lines, sound table`);
    return rows;
  } finally {
    await emulators.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
