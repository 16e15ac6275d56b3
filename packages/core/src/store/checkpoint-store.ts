import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TableGateway } from './table-gateway.ts';
import { checkpointKey, checkpointPrefix, jobPartition, stepOfCheckpointSortKey } from './table-keys.ts';

export interface Checkpoint {
  name: string;
  /** JSON of the step's result; `undefined` results are stored as absent. */
  result: unknown;
  /** The spawn counter after the step, so replay skips its spawns exactly. */
  spawnSeq: number;
}

/**
 * Step results, one item per step in the job's partition. A checkpoint is written only if
 * none exists: the first completion of a step wins, and a duplicate or stale worker that
 * completes the same step later cannot replace the result others already replayed.
 */
export class CheckpointStore {
  readonly #table: TableGateway;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#table = new TableGateway(client, tableName);
  }

  async load(jobId: string): Promise<Map<string, Checkpoint>> {
    const found = new Map<string, Checkpoint>();
    for (const item of await this.#table.queryPartitionAll(jobPartition(jobId), checkpointPrefix, { consistent: true })) {
      const name = stepOfCheckpointSortKey(item.sk as string);
      found.set(name, { name, result: item.result === undefined ? undefined : JSON.parse(item.result as string), spawnSeq: item.spawnSeq as number });
    }
    return found;
  }

  /** True when this call stored the checkpoint, false when one was already there. */
  async save(jobId: string, checkpoint: Checkpoint): Promise<boolean> {
    return this.#table.putIfAbsent({
      ...checkpointKey(jobId, checkpoint.name),
      ...(checkpoint.result === undefined ? {} : { result: JSON.stringify(checkpoint.result) }),
      spawnSeq: checkpoint.spawnSeq,
    });
  }

  async clear(jobId: string): Promise<void> {
    await this.#table.deletePartition(jobPartition(jobId), checkpointPrefix);
  }
}
