import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../errors.ts';
import { JobStore } from './job-store.ts';
import { checkpointKey } from './table-keys.ts';

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
  readonly #table: JobStore;

  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {
    this.#table = new JobStore(client, tableName);
  }

  async load(jobId: string): Promise<Map<string, Checkpoint>> {
    const found = new Map<string, Checkpoint>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#table.queryPartition(`J#${jobId}`, 'C#', { consistent: true, ...(startKey ? { startKey } : {}) });
      for (const item of page.items) {
        const name = (item.sk as string).slice(2);
        found.set(name, { name, result: item.result === undefined ? undefined : JSON.parse(item.result as string), spawnSeq: item.spawnSeq as number });
      }
      startKey = page.lastKey;
    } while (startKey);
    return found;
  }

  /** True when this call stored the checkpoint, false when one was already there. */
  async save(jobId: string, checkpoint: Checkpoint): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...checkpointKey(jobId, checkpoint.name),
            ...(checkpoint.result === undefined ? {} : { result: JSON.stringify(checkpoint.result) }),
            spawnSeq: checkpoint.spawnSeq,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async clear(jobId: string): Promise<void> {
    await this.#table.deletePartition(`J#${jobId}`, 'C#');
  }
}
