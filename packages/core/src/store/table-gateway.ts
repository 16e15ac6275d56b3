import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, UnprocessedItemsError } from '../errors.ts';
import type { IndexName } from '../resource-spec.ts';
import { attributeNames, buildUpdate, type UpdateSpec } from './update-expression.ts';

export type ItemKey = { pk: string; sk: string };
type Item = Record<string, unknown>;

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

export interface PartitionRead {
  ascending?: boolean;
  consistent?: boolean;
  /** Only these attributes (a ProjectionExpression of plain names). */
  projection?: string;
}

/** A condition a write must meet, with the values it names (`:v`); attribute names are derived. */
export interface Condition {
  expression: string;
  values?: Record<string, unknown>;
}

const conditionInput = (condition: Condition) => ({
  ConditionExpression: condition.expression,
  ...(/#\w/.test(condition.expression) ? { ExpressionAttributeNames: attributeNames(condition.expression) } : {}),
  ...(condition.values && Object.keys(condition.values).length > 0 ? { ExpressionAttributeValues: condition.values } : {}),
});

/** Runs a conditional write; `failed` when its condition did not hold — the one place that failure is caught. */
async function unlessConditionFails<T>(write: () => Promise<T>, failed: T): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isConditionalCheckFailed(error)) return failed;
    throw error;
  }
}

/**
 * The single table's gateway: every store reads and writes through it. Reads are by key or
 * by key condition; a conditional write that loses its condition answers `false` / `null`
 * rather than throwing, so callers decide whether a lost race is a conflict or a no-op.
 */
export class TableGateway {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async getItem(key: ItemKey, consistent = true): Promise<Item | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: consistent }));
    return out.Item;
  }

  /** Any items by key, 100 per BatchGetItem, retrying unprocessed keys; missing ones are left out. */
  async getItems(keys: ReadonlyArray<ItemKey>, consistent = false): Promise<Item[]> {
    const found: Item[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      await untilProcessed<ItemKey>(keys.slice(i, i + 100), async (pending) => {
        const out = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: consistent } } }));
        found.push(...(out.Responses?.[this.tableName] ?? []));
        return (out.UnprocessedKeys?.[this.tableName]?.Keys as ItemKey[] | undefined) ?? [];
      });
    }
    return found;
  }

  /** Puts an item, replacing any with its key. */
  async put(item: object): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item as Item }));
  }

  /** Puts an item unless one with its key exists; false when it did. */
  async putIfAbsent(item: object): Promise<boolean> {
    const put = new PutCommand({ TableName: this.tableName, Item: item as Item, ConditionExpression: 'attribute_not_exists(pk)' });
    return unlessConditionFails(async () => Boolean(await this.client.send(put)), false);
  }

  /** An unconditional update; the new item when `returnNew`. */
  async update(key: ItemKey, spec: UpdateSpec, returnNew = false): Promise<Item | undefined> {
    const out = await this.client.send(
      new UpdateCommand({ TableName: this.tableName, Key: key, ...buildUpdate(spec), ...(returnNew ? { ReturnValues: 'ALL_NEW' as const } : {}) }),
    );
    return out.Attributes;
  }

  /** Conditional update (the spec's `condition`); the new item, or null when the condition failed. */
  async tryUpdateItem(key: ItemKey, spec: UpdateSpec): Promise<Item | null> {
    return unlessConditionFails(async () => (await this.update(key, spec, true)) ?? null, null);
  }

  async delete(key: ItemKey): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key }));
  }

  /** Deletes an item only while `condition` holds; false when it did not. */
  async deleteIf(key: ItemKey, condition: Condition): Promise<boolean> {
    const command = new DeleteCommand({ TableName: this.tableName, Key: key, ...conditionInput(condition) });
    return unlessConditionFails(async () => Boolean(await this.client.send(command)), false);
  }

  async queryIndex(query: IndexQuery): Promise<IndexPage> {
    const out = await this.client.send(new QueryCommand(buildIndexQuery(this.tableName, query)));
    return { keys: (out.Items ?? []) as Array<Record<string, string>>, lastKey: out.LastEvaluatedKey };
  }

  /** Every entry of an index query, page after page. */
  async queryIndexAll(query: Omit<IndexQuery, 'startKey' | 'countOnly'>): Promise<IndexPage['keys']> {
    const keys: IndexPage['keys'] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.queryIndex({ ...query, ...(startKey ? { startKey } : {}) });
      keys.push(...page.keys);
      startKey = page.lastKey;
    } while (startKey);
    return keys;
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
  async queryPartition(pk: string, prefix: string, options: PartitionRead & { limit?: number; startKey?: Item } = {}) {
    const page = await this.queryPage({
      ...partitionQuery(pk, prefix, options),
      ...(options.limit ? { Limit: options.limit } : {}),
      ...(options.startKey ? { ExclusiveStartKey: options.startKey } : {}),
    });
    return { items: page.items, lastKey: page.lastKey };
  }

  /** Every item of a partition with the given sort-key prefix, page after page. */
  async queryPartitionAll(pk: string, prefix: string, options: PartitionRead = {}): Promise<Item[]> {
    return this.queryAll(partitionQuery(pk, prefix, options));
  }

  /** One page of a query the caller shaped (a sort-key range, a filter, a budget of items). */
  async queryPage(input: Omit<QueryCommandInput, 'TableName'>): Promise<{ items: Item[]; lastKey: Item | undefined; scanned: number }> {
    const out = await this.client.send(new QueryCommand({ ...input, TableName: this.tableName }));
    return { items: (out.Items ?? []) as Item[], lastKey: out.LastEvaluatedKey, scanned: out.ScannedCount ?? 0 };
  }

  /** Every page of a query the caller shaped. */
  async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.queryPage({ ...input, ...(startKey ? { ExclusiveStartKey: startKey } : {}) });
      items.push(...page.items);
      startKey = page.lastKey;
    } while (startKey);
    return items;
  }

  /** Deletes every item of a partition with the given sort-key prefix, 25 per request. */
  async deletePartition(pk: string, prefix: string): Promise<number> {
    let deleted = 0;
    let startKey: Item | undefined;
    do {
      const page = await this.queryPartition(pk, prefix, { limit: 500, ...(startKey ? { startKey } : {}) });
      await this.batchWrite(page.items.map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })));
      deleted += page.items.length;
      startKey = page.lastKey;
    } while (startKey);
    return deleted;
  }

  async batchWrite(requests: Item[]): Promise<void> {
    for (let i = 0; i < requests.length; i += 25) {
      await untilProcessed(requests.slice(i, i + 25), async (pending) => {
        const out = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending as never } }));
        return (out.UnprocessedItems?.[this.tableName] as Item[] | undefined) ?? [];
      });
    }
  }
}

/** The Query of one partition's items whose sort keys start with `prefix`. */
function partitionQuery(pk: string, prefix: string, options: PartitionRead): Omit<QueryCommandInput, 'TableName'> {
  return {
    // DynamoDB refuses begins_with with an empty prefix: the whole partition is asked without it.
    KeyConditionExpression: prefix === '' ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: prefix === '' ? { ':pk': pk } : { ':pk': pk, ':prefix': prefix },
    ScanIndexForward: options.ascending ?? true,
    ConsistentRead: options.consistent ?? false,
    ...(options.projection ? { ProjectionExpression: options.projection } : {}),
  };
}

/** Batch attempts before unprocessed items are reported as throttling (about 10 s of backoff). */
const BATCH_ATTEMPTS = 15;

/**
 * Sends a batch and again what DynamoDB left unprocessed (it does under throttling), with
 * backoff, up to BATCH_ATTEMPTS: past that the caller gets a throttling error, as for a
 * single request, rather than a request that never returns.
 */
async function untilProcessed<T>(batch: T[], send: (pending: T[]) => Promise<T[]>): Promise<void> {
  let pending = batch;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt === BATCH_ATTEMPTS) throw new UnprocessedItemsError(pending.length);
    pending = await send(pending);
    if (pending.length > 0) await backoff(attempt);
  }
}

/** Exponential backoff with full jitter for unprocessed batch items (throttling). */
export function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(1_000, 25 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
