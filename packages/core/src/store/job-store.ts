import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../errors.ts';
import type { JobRecord } from '../job-record.ts';
import { jobKey } from './table-keys.ts';
import { attributeNames, buildUpdate, type UpdateSpec } from './update-expression.ts';
import type { IndexName } from '../resource-spec.ts';

export interface IndexPage {
  keys: Array<Record<string, string>>;
  lastKey: Record<string, unknown> | undefined;
}

export interface IndexQuery {
  index: IndexName;
  partition: string;
  /** Only sort keys starting with this prefix. */
  prefix?: string;
  /** Sort-key range, inclusive. */
  between?: [string, string];
  ascending?: boolean;
  limit?: number;
  startKey?: Record<string, unknown>;
  countOnly?: boolean;
  /** Only entries whose (projected) attribute of this name is true. */
  whereTrue?: string;
}

/** Builds the Query input for an index read. Pure. */
export function buildIndexQuery(tableName: string, query: IndexQuery) {
  const pkName = `${query.index}pk`;
  const skName = `${query.index}sk`;
  const values: Record<string, unknown> = { ':pk': query.partition };
  let condition = '#pk = :pk';
  if (query.prefix !== undefined) {
    condition += ' AND begins_with(#sk, :prefix)';
    values[':prefix'] = query.prefix;
  } else if (query.between) {
    condition += ' AND #sk BETWEEN :lo AND :hi';
    values[':lo'] = query.between[0];
    values[':hi'] = query.between[1];
  }
  if (query.whereTrue !== undefined) values[':true'] = true;
  return {
    TableName: tableName,
    IndexName: query.index,
    KeyConditionExpression: condition,
    ExpressionAttributeNames: {
      '#pk': pkName,
      ...(condition.includes('#sk') ? { '#sk': skName } : {}),
      ...(query.whereTrue !== undefined ? { '#where': query.whereTrue } : {}),
    },
    ExpressionAttributeValues: values,
    ...(query.whereTrue !== undefined ? { FilterExpression: '#where = :true' } : {}),
    ScanIndexForward: query.ascending ?? true,
    ...(query.limit ? { Limit: query.limit } : {}),
    ...(query.startKey ? { ExclusiveStartKey: query.startKey } : {}),
    ...(query.countOnly ? { Select: 'COUNT' as const } : {}),
  };
}

/**
 * Job items and the raw table reads the engine builds on. Every read is a key or index
 * query; conditional-check failures come back as `null` from `tryUpdate` so callers decide
 * whether a lost race is a conflict or a no-op.
 */
export class JobStore {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(id: string, consistent = true): Promise<JobRecord | undefined> {
    return (await this.getItem(jobKey(id), consistent)) as JobRecord | undefined;
  }

  async getItem(key: { pk: string; sk: string }, consistent = true): Promise<Record<string, unknown> | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: consistent }));
    return out.Item;
  }

  /** Reads jobs by id, 100 per BatchGetItem, retrying unprocessed keys. */
  async getMany(ids: readonly string[]): Promise<Map<string, JobRecord>> {
    const items = await this.getItems([...new Set(ids)].map(jobKey));
    return new Map(items.map((item) => [item.id as string, item as unknown as JobRecord]));
  }

  /** Any items by key, 100 per BatchGetItem, retrying unprocessed keys; missing ones are left out. */
  async getItems(keys: ReadonlyArray<{ pk: string; sk: string }>): Promise<Array<Record<string, unknown>>> {
    const found: Array<Record<string, unknown>> = [];
    for (let i = 0; i < keys.length; i += 100) {
      let pending: Array<Record<string, unknown>> = keys.slice(i, i + 100);
      for (let attempt = 0; pending.length > 0; attempt++) {
        const out = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }));
        found.push(...(out.Responses?.[this.tableName] ?? []));
        pending = (out.UnprocessedKeys?.[this.tableName]?.Keys as Array<Record<string, unknown>> | undefined) ?? [];
        if (pending.length > 0) await backoff(attempt);
      }
    }
    return found;
  }

  /** Writes a new job; false when a job with this id already exists (a replayed spawn or submit). */
  async create(record: JobRecord): Promise<boolean> {
    return this.putIfAbsent(record);
  }

  /** Puts an item unless one with its key exists; false when it did. */
  async putIfAbsent(item: object): Promise<boolean> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Conditional update of a job item; the new item, or null when the condition failed. */
  async tryUpdate(id: string, spec: UpdateSpec): Promise<JobRecord | null> {
    return (await this.tryUpdateItem(jobKey(id), spec)) as JobRecord | null;
  }

  async tryUpdateItem(key: { pk: string; sk: string }, spec: UpdateSpec): Promise<Record<string, unknown> | null> {
    try {
      const out = await this.client.send(new UpdateCommand({ TableName: this.tableName, Key: key, ...buildUpdate(spec), ReturnValues: 'ALL_NEW' }));
      return out.Attributes ?? null;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return null;
      throw error;
    }
  }

  async queryIndex(query: IndexQuery): Promise<IndexPage> {
    const out = await this.client.send(new QueryCommand(buildIndexQuery(this.tableName, query)));
    return { keys: (out.Items ?? []) as Array<Record<string, string>>, lastKey: out.LastEvaluatedKey };
  }

  /**
   * How many entries match: up to `limit` in one page when it is given, otherwise every page
   * (Count is per page, after the filter; one page reads at most 1 MB of index entries).
   */
  async countIndex(query: Omit<IndexQuery, 'countOnly'>): Promise<number> {
    let count = 0;
    let startKey = query.startKey;
    do {
      const out = await this.client.send(new QueryCommand(buildIndexQuery(this.tableName, { ...query, countOnly: true, ...(startKey ? { startKey } : {}) })));
      count += out.Count ?? 0;
      startKey = query.limit === undefined ? out.LastEvaluatedKey : undefined;
    } while (startKey);
    return count;
  }

  /** Items of one partition (a job's checkpoints or logs), by sort-key prefix. */
  async queryPartition(
    pk: string,
    prefix: string,
    options: { limit?: number; startKey?: Record<string, unknown>; ascending?: boolean; consistent?: boolean } = {},
  ) {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        // DynamoDB refuses begins_with with an empty prefix: the whole partition is asked without it.
        KeyConditionExpression: prefix === '' ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: prefix === '' ? { ':pk': pk } : { ':pk': pk, ':prefix': prefix },
        ScanIndexForward: options.ascending ?? true,
        ConsistentRead: options.consistent ?? false,
        ...(options.limit ? { Limit: options.limit } : {}),
        ...(options.startKey ? { ExclusiveStartKey: options.startKey } : {}),
      }),
    );
    return { items: (out.Items ?? []) as Array<Record<string, unknown>>, lastKey: out.LastEvaluatedKey };
  }

  /** Deletes every item of a partition with the given sort-key prefix, 25 per request. */
  async deletePartition(pk: string, prefix: string): Promise<number> {
    let deleted = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.queryPartition(pk, prefix, { limit: 500, ...(startKey ? { startKey } : {}) });
      await this.batchWrite(page.items.map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })));
      deleted += page.items.length;
      startKey = page.lastKey;
    } while (startKey);
    return deleted;
  }

  async batchWrite(requests: Array<Record<string, unknown>>): Promise<void> {
    for (let i = 0; i < requests.length; i += 25) {
      let pending = requests.slice(i, i + 25);
      for (let attempt = 0; pending.length > 0; attempt++) {
        const out = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending as never } }));
        pending = (out.UnprocessedItems?.[this.tableName] as Array<Record<string, unknown>> | undefined) ?? [];
        if (pending.length > 0) await backoff(attempt);
      }
    }
  }

  /** Deletes the job item only while `condition` holds; false when it did not. */
  async deleteJobIf(id: string, condition: string, values: Record<string, unknown>): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: jobKey(id),
          ConditionExpression: condition,
          ExpressionAttributeNames: attributeNames(condition),
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

/** Exponential backoff with full jitter for unprocessed batch items (throttling). */
export function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(1_000, 25 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
