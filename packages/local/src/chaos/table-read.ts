import { join } from 'node:path';
import { checkpointPrefix, jobIdOfPk, jobKey, rootLaneKey } from '@stint/core/store/table-keys';
import { emulatorClients, startEmulators } from '../emulators.ts';
import { scanAll } from '../repair/table-scan.ts';
import { EXECUTIONS_PREFIX, type StepExecution } from './chaos-jobs.ts';

export const laneId = (key: { pk: string; sk: string }) => `${key.pk}|${key.sk}`;

export interface TableEvidence {
  executions: StepExecution[];
  /** Step results by job id and step name. */
  checkpoints: Map<string, Map<string, unknown>>;
  /** Job items by id, as stored (bookkeeping fields included), for diagnoses. */
  jobs: Map<string, Record<string, unknown>>;
  /** Root lane items by `laneId` of their key. */
  lanes: Map<string, Record<string, unknown>>;
}

/**
 * Reads the stopped stack's table straight from its data directory (dynalite on the same
 * files, no repair, no engine), so the evidence is what the run left, not what a start
 * would make of it.
 */
export async function readTable(dataDir: string, tableName: string): Promise<TableEvidence> {
  const emulators = await startEmulators({ dataDir: join(dataDir, 'dynamodb') });
  try {
    const items = await scanAll(emulatorClients(emulators).dynamo, tableName);
    const evidence: TableEvidence = { executions: [], checkpoints: new Map(), jobs: new Map(), lanes: new Map() };
    const jobs = jobKey('');
    const lanes = rootLaneKey('', 'normal');
    for (const item of items) {
      const pk = item.pk as string;
      const sk = item.sk as string;
      if (pk.startsWith(EXECUTIONS_PREFIX)) evidence.executions.push(item as unknown as StepExecution);
      else if (pk.startsWith(jobs.pk) && sk === jobs.sk) evidence.jobs.set(item.id as string, item);
      else if (pk.startsWith(jobs.pk) && sk.startsWith(checkpointPrefix)) {
        const id = jobIdOfPk(pk);
        const steps = evidence.checkpoints.get(id) ?? new Map<string, unknown>();
        steps.set(sk.slice(checkpointPrefix.length), item.result === undefined ? undefined : JSON.parse(item.result as string));
        evidence.checkpoints.set(id, steps);
      } else if (pk.startsWith(lanes.pk)) evidence.lanes.set(laneId({ pk, sk }), item);
    }
    return evidence;
  } finally {
    await emulators.stop();
  }
}
