import { join } from 'node:path';
import { itemKindOf, jobIdOfPk, stepOfCheckpointSortKey } from '@stint/core/store';
import { emulatorClients, startEmulators } from '../emulators.ts';
import { scanAll } from '../repair/table-scan.ts';
import type { StepExecution } from './chaos-jobs.ts';

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
    for (const item of items) {
      const key = { pk: item.pk as string, sk: item.sk as string };
      const kind = itemKindOf(key);
      if (kind === 'chaosExecution') evidence.executions.push(item as unknown as StepExecution);
      else if (kind === 'job') evidence.jobs.set(item.id as string, item);
      else if (kind === 'checkpoint') {
        const id = jobIdOfPk(key.pk);
        const steps = evidence.checkpoints.get(id) ?? new Map<string, unknown>();
        steps.set(stepOfCheckpointSortKey(key.sk), item.result === undefined ? undefined : JSON.parse(item.result as string));
        evidence.checkpoints.set(id, steps);
      } else if (kind === 'rootLane') evidence.lanes.set(laneId(key), item);
    }
    return evidence;
  } finally {
    await emulators.stop();
  }
}
