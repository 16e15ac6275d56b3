import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TenantDirectory } from '@stint/core/auth';
import { JobStore, localRunKey, recountWhileStopped, TableGateway } from '@stint/core/store';
import { countedJobs, deriveStats, statsCorrections } from './counter-derivation.ts';
import { INDEX_KEY_ATTRIBUTES, itemId, PLACEHOLDER_ATTRIBUTE, RESTORE_ATTRIBUTE } from './index-entries.ts';
import { repairIndexes, type IndexRepairReport } from './index-repair.ts';
import { scanAll } from './table-scan.ts';

export interface StartupRepairReport extends IndexRepairReport {
  items: number;
  jobs: number;
  /** Summary listings recounted and statistics buckets raised to agree with the jobs. */
  countersCorrected: number;
  ms: number;
}

/** What the repair reads of each item: keys, index keys, and the fields statistics derive from. */
const ATTRIBUTES = [
  'pk',
  'sk',
  ...INDEX_KEY_ATTRIBUTES,
  RESTORE_ATTRIBUTE,
  PLACEHOLDER_ATTRIBUTE,
  'tenant',
  'system',
  'parentId',
  'status',
  'createDate',
  'startDate',
  'created',
  'waitCount',
  'waitSum',
] as const;

/**
 * `npm start`'s repair of its dynalite table, before the pollers, the sweeper or the api use
 * it. A SIGKILL can leave what a deployment's DynamoDB never does: index entries lost or
 * left behind between dynalite's separate writes (`index-repair.ts`), and counter deltas
 * lost from a batch not yet flushed: the summary cards are recounted by core
 * (`recountWhileStopped`, safe because nothing else writes yet) and statistics buckets
 * raised to what the jobs show (`counter-derivation.ts`). It reads the whole table once (Scan, which core never does: acceptable for one
 * developer's local table) and each index once; it writes only what differs.
 */
export async function repairLocalTable(client: DynamoDBDocumentClient, tableName: string, clock: () => number = Date.now): Promise<StartupRepairReport> {
  const started = clock();
  const items = await scanAll(client, tableName, { attributes: ATTRIBUTES });
  const indexes = await repairIndexes(client, tableName, items);

  const jobs = countedJobs(items);
  const stored = new Map(items.map((item) => [itemId(item), item]));
  const corrections = statsCorrections(await deriveStats(jobs), stored);
  const table = new JobStore(client, tableName);
  for (const { key, set } of corrections) await table.update(key, { set });
  // After the indexes: core counts the cards on gsi2, whose entries must be whole by now.
  const cards = await recountWhileStopped(table, new TenantDirectory(client, tableName));
  return { items: items.length, jobs: jobs.length, ...indexes, countersCorrected: corrections.length + cards, ms: clock() - started };
}

/** One line for the console when the repair changed something; null when the table was sound. */
export function describeRepair(report: StartupRepairReport): string | null {
  const fixes = [
    report.missingEntries > 0 ? `re-created ${report.missingEntries} lost index entries` : '',
    report.staleEntries > 0 ? `dropped ${report.staleEntries} stale index entries` : '',
    report.interruptedRepairs > 0 ? `finished ${report.interruptedRepairs} interrupted repairs` : '',
    report.countersCorrected > 0 ? `corrected ${report.countersCorrected} counter items` : '',
  ].filter(Boolean);
  if (fixes.length === 0) return null;
  return `  Startup repair (${report.jobs} jobs checked in ${report.ms} ms): ${fixes.join(', ')}.`;
}

/**
 * Whether the previous run of the stack on this table ended without a clean stop, and from
 * now on, that this one is running. Only a killed run can have left what the repair mends,
 * so a stack stopped with Ctrl-C starts again without paying for the scans.
 */
export async function startRun(client: DynamoDBDocumentClient, tableName: string): Promise<{ previousRunKilled: boolean }> {
  const table = new TableGateway(client, tableName);
  const previous = await table.getItem(localRunKey);
  await table.put({ ...localRunKey, state: 'running' });
  // No marker: a table from before the marker existed, or a first start (the repair is quick then).
  return { previousRunKilled: previous?.state !== 'stopped' };
}

/** The run stopped cleanly: every write it started has finished. */
export async function endRun(client: DynamoDBDocumentClient, tableName: string): Promise<void> {
  await new TableGateway(client, tableName).put({ ...localRunKey, state: 'stopped' });
}
