import { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * App records live in the Stint table next to the jobs, in partitions of their own per
 * tenant and entity: pk `X#<tenant>#<entity>`, sk `<recordId>`. Neither a tenant nor an
 * entity name can hold `#`, so one tenant's partition is never another's. `X#` cannot collide
 * with the engine's prefixes (J#, F#, T#, I#), see core/table-keys.ts.
 *
 * A store is one tenant's: jobs get theirs from their own job's tenant, never from their
 * data, so a submission cannot reach another tenant's records.
 */

export const RECORD_TYPES = ['a', 'b', 'c'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export interface RecordFields {
  name: string;
  type: RecordType;
  city: string;
  employees: number;
}

export interface AppRecord extends RecordFields {
  id: string;
  touchCount: number;
}

export interface RecordQuery {
  type?: RecordType;
  city?: string;
}

export class RecordNotFoundError extends Error {
  override readonly name = 'RecordNotFoundError';
  constructor(entity: string, id: string) {
    super(`record ${id} not found in ${entity}`);
  }
}

const partitionOf = (tenant: string, entity: string) => `X#${tenant}#${entity}`;
// BatchWriteItem takes 25 requests, BatchGetItem 100 keys.
const WRITE_BATCH = 25;
const GET_BATCH = 100;
const MAX_UNPROCESSED_ROUNDS = 8;

export class RecordStore {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly tenant: string,
  ) {}

  /** Writes the records that do not exist yet; existing ones (and their touchCount) are left alone. Returns how many were written. */
  async seed(entity: string, records: Array<RecordFields & { id: string }>): Promise<number> {
    const existing = new Set<string>();
    for await (const items of this.items(entity, {}, true)) for (const item of items) existing.add(String(item.sk));
    const missing = records.filter((r) => !existing.has(r.id));
    // A concurrent seed could slip in between the read and the write; the conditional
    // put keeps it from resetting a record another seed (or a job) already touched.
    for (let i = 0; i < missing.length; i += WRITE_BATCH) {
      await Promise.all(missing.slice(i, i + WRITE_BATCH).map((r) => this.putIfAbsent(entity, r)));
    }
    return missing.length;
  }

  /** Creates or overwrites records (idempotent for a given id). */
  async putMany(entity: string, records: Array<RecordFields & { id: string }>): Promise<void> {
    const requests = records.map((r) => ({ PutRequest: { Item: this.item(entity, r) } }));
    await this.batchWrite(requests);
  }

  async deleteByIds(entity: string, ids: string[]): Promise<void> {
    const requests = ids.map((id) => ({ DeleteRequest: { Key: { pk: this.partition(entity), sk: id } } }));
    await this.batchWrite(requests);
  }

  async query(entity: string, query: RecordQuery = {}): Promise<AppRecord[]> {
    const out: AppRecord[] = [];
    for await (const page of this.pages(entity, query)) out.push(...page);
    return out;
  }

  async queryIds(entity: string, query: RecordQuery = {}): Promise<string[]> {
    const out: string[] = [];
    for await (const items of this.items(entity, query, true)) out.push(...items.map((item) => String(item.sk)));
    return out;
  }

  /** Pages of matching records in id order, for streaming a large selection. */
  async *pages(entity: string, query: RecordQuery = {}): AsyncGenerator<AppRecord[]> {
    for await (const items of this.items(entity, query, false)) yield items.map(toRecord);
  }

  // With `keysOnly` the response carries just the sort key, which keeps listing a large selection cheap.
  private async *items(entity: string, query: RecordQuery, keysOnly: boolean): AsyncGenerator<Array<Record<string, unknown>>> {
    const names: Record<string, string> = { '#pk': 'pk' };
    const values: Record<string, unknown> = { ':pk': this.partition(entity) };
    const filters: string[] = [];
    if (query.type !== undefined) {
      names['#type'] = 'type';
      values[':type'] = query.type;
      filters.push('#type = :type');
    }
    if (query.city !== undefined) {
      names['#city'] = 'city';
      values[':city'] = query.city;
      filters.push('#city = :city');
    }
    if (keysOnly) names['#sk'] = 'sk';
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
          ...(keysOnly ? { ProjectionExpression: '#sk' } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      yield out.Items ?? [];
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }

  /** The records that exist among `ids`, in the order of `ids`. */
  async getByIds(entity: string, ids: string[]): Promise<AppRecord[]> {
    const found = new Map<string, AppRecord>();
    for (let i = 0; i < ids.length; i += GET_BATCH) {
      let keys: Array<Record<string, unknown>> = [...new Set(ids.slice(i, i + GET_BATCH))].map((id) => ({
        pk: this.partition(entity),
        sk: id,
      }));
      for (let round = 0; keys.length > 0; round++) {
        if (round >= MAX_UNPROCESSED_ROUNDS) throw new Error(`BatchGetItem kept returning unprocessed keys on ${entity}`);
        if (round > 0) await backoff(round);
        const out = await this.dynamo.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }));
        for (const item of out.Responses?.[this.tableName] ?? []) found.set(String(item.sk), toRecord(item));
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  async get(entity: string, id: string): Promise<AppRecord | undefined> {
    const out = await this.dynamo.send(new GetCommand({ TableName: this.tableName, Key: { pk: this.partition(entity), sk: id } }));
    return out.Item ? toRecord(out.Item) : undefined;
  }

  /**
   * Increments touchCount once per job: the job id joins the `touchedBy` set in the same
   * write, and the condition refuses a second write by the same job. A step that is run
   * again after a crash therefore cannot count twice. Returns false when already touched.
   * The set grows by one id per touching job, which suits a demo entity, not a hot record.
   */
  async touchOnce(entity: string, recordId: string, jobId: string): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.partition(entity), sk: recordId },
          UpdateExpression: 'ADD #touchCount :one, #touchedBy :jobIdSet',
          ConditionExpression: 'attribute_exists(#pk) AND NOT contains(#touchedBy, :jobId)',
          ExpressionAttributeNames: { '#pk': 'pk', '#touchCount': 'touchCount', '#touchedBy': 'touchedBy' },
          ExpressionAttributeValues: { ':one': 1, ':jobIdSet': new Set([jobId]), ':jobId': jobId },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'ConditionalCheckFailedException') throw error;
      // Which half of the condition failed is not reported by every DynamoDB implementation; a read tells.
      if (!(await this.get(entity, recordId))) throw new RecordNotFoundError(entity, recordId);
      return false;
    }
  }

  private partition(entity: string): string {
    return partitionOf(this.tenant, entity);
  }

  private item(entity: string, r: RecordFields & { id: string }) {
    return { pk: this.partition(entity), sk: r.id, name: r.name, type: r.type, city: r.city, employees: r.employees, touchCount: 0 };
  }

  private async putIfAbsent(entity: string, r: RecordFields & { id: string }): Promise<void> {
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.item(entity, r),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  private async batchWrite(requests: Array<Record<string, unknown>>): Promise<void> {
    for (let i = 0; i < requests.length; i += WRITE_BATCH) {
      let pending = requests.slice(i, i + WRITE_BATCH);
      for (let round = 0; pending.length > 0; round++) {
        if (round >= MAX_UNPROCESSED_ROUNDS) throw new Error('BatchWriteItem kept returning unprocessed items');
        if (round > 0) await backoff(round);
        const out = await this.dynamo.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = (out.UnprocessedItems?.[this.tableName] ?? []) as Array<Record<string, unknown>>;
      }
    }
  }
}

function toRecord(item: Record<string, unknown>): AppRecord {
  return {
    id: String(item.sk),
    name: String(item.name ?? ''),
    type: (item.type ?? 'a') as RecordType,
    city: String(item.city ?? ''),
    employees: Number(item.employees ?? 0),
    touchCount: Number(item.touchCount ?? 0),
  };
}

const backoff = (round: number) => new Promise((r) => setTimeout(r, Math.min(50 * 2 ** round, 2_000)));
