import { TABLE } from '@stint/core/resource-spec';

/**
 * Which partition keys a DynamoDB request touches, for the hot-key meter (meter.ts). Pure:
 * the meter keeps what each item's index keys were (`IndexKeys`, learned from the writes it
 * saw) and hands it in, so a write that moves an item between index partitions is charged to
 * both the partition it leaves and the one it enters, as DynamoDB bills it (a delete and a put).
 */

/** An item's partition value per index it is in (`gsi5: 'Q#normal'`). */
export type IndexKeys = Record<string, string>;

/** One item a write changes: its table partition and its index partitions before and after. */
export interface ItemWrite {
  item: string;
  pk: string;
  before: IndexKeys | undefined;
  /** Undefined for a delete. */
  after: IndexKeys | undefined;
}

/** Where a read goes: the table or an index, and the partition value. */
export interface Read {
  index: string;
  keys: string[];
}

type Input = Record<string, unknown>;

/** The document client's command name for a request (its middleware sees `PutItemCommand` for a `PutCommand`). */
const documentCommand = (command: string) => command.replace(/ItemCommand$/, 'Command');
type ItemKey = { pk: string; sk: string };

const INDEX_PK = new Map<string, string>(TABLE.indexes.map((index) => [index.partitionKey, index.name]));

export const itemId = (key: ItemKey) => `${key.pk}\u0000${key.sk}`;

/** The index partitions an item written whole holds. */
export function indexKeysOf(item: Record<string, unknown>): IndexKeys {
  const keys: IndexKeys = {};
  for (const [attribute, index] of INDEX_PK) if (typeof item[attribute] === 'string') keys[index] = item[attribute];
  return keys;
}

/**
 * The index partitions an update leaves the item in: assignments `#gsiNpk = :v` in its SET
 * clause, names in its REMOVE clause. Anything else the expression does leaves them as they were.
 */
export function indexKeysAfterUpdate(before: IndexKeys, input: Input): IndexKeys {
  const expression = String(input.UpdateExpression ?? '');
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const resolve = (name: string) => names[name] ?? name;
  const after = { ...before };
  for (const clause of expression.split(/\b(?=SET|REMOVE|ADD|DELETE)\b/)) {
    const [verb, ...rest] = clause.trim().split(/\s+/);
    const body = rest.join(' ');
    if (verb === 'SET') {
      for (const match of body.matchAll(/(#?\w+)\s*=\s*(:\w+)(?=\s*(,|$))/g)) {
        const index = INDEX_PK.get(resolve(match[1]!));
        const value = values[match[2]!];
        if (index && typeof value === 'string') after[index] = value;
      }
    } else if (verb === 'REMOVE') {
      for (const name of body.split(',')) {
        const index = INDEX_PK.get(resolve(name.trim()));
        if (index) delete after[index];
      }
    }
  }
  return after;
}

/** The items a write request changes; `known` gives what the meter learned of each item. */
export function itemWrites(command: string, input: Input, table: string, known: (item: string) => IndexKeys | undefined): ItemWrite[] {
  const one = (key: ItemKey, after: (before: IndexKeys) => IndexKeys | undefined): ItemWrite => {
    const item = itemId(key);
    const before = known(item);
    return { item, pk: key.pk, before, after: after(before ?? {}) };
  };
  switch (documentCommand(command)) {
    case 'PutCommand':
      return [one(input.Item as ItemKey, () => indexKeysOf(input.Item as Input))];
    case 'UpdateCommand':
      return [one(input.Key as ItemKey, (before) => indexKeysAfterUpdate(before, input))];
    case 'DeleteCommand':
      return [one(input.Key as ItemKey, () => undefined)];
    case 'BatchWriteCommand': {
      const requests = ((input.RequestItems as Record<string, unknown[]>)[table] ?? []) as Array<{
        PutRequest?: { Item: Input };
        DeleteRequest?: { Key: ItemKey };
      }>;
      return requests.map((request) =>
        request.PutRequest
          ? one(request.PutRequest.Item as ItemKey, () => indexKeysOf(request.PutRequest!.Item))
          : one(request.DeleteRequest!.Key, () => undefined),
      );
    }
    default:
      return [];
  }
}

/** The partitions a read request reads, or undefined for a request that is not a read. */
export function readOf(command: string, input: Input, table: string): Read | undefined {
  switch (documentCommand(command)) {
    case 'GetCommand':
      return { index: 'table', keys: [(input.Key as ItemKey).pk] };
    case 'BatchGetCommand':
      return { index: 'table', keys: ((input.RequestItems as Record<string, { Keys: ItemKey[] }>)[table]?.Keys ?? []).map((key) => key.pk) };
    case 'QueryCommand': {
      const match = /^\s*(#?\w+)\s*=\s*(:\w+)/.exec(String(input.KeyConditionExpression ?? ''));
      const value = match ? (input.ExpressionAttributeValues as Record<string, unknown>)[match[2]!] : undefined;
      return { index: (input.IndexName as string | undefined) ?? 'table', keys: [typeof value === 'string' ? value : '?'] };
    }
    default:
      return undefined;
  }
}

/**
 * Splits the units one index reported for a write among the partitions the items touched
 * there: an entry moved from one partition to another is a delete and a put, half each; an
 * entry written in place (a projected attribute changed) is all its partition's.
 */
export function indexUnitsByPartition(writes: ItemWrite[], index: string, units: number): Map<string, number> {
  const touched: string[] = [];
  for (const write of writes) {
    const before = write.before?.[index];
    const after = write.after?.[index];
    if (before !== undefined && after !== undefined && before !== after) touched.push(before, after);
    else if (after !== undefined) touched.push(after);
    else if (before !== undefined) touched.push(before);
  }
  const share = new Map<string, number>();
  const parts = touched.length === 0 ? ['?'] : touched;
  for (const partition of parts) share.set(partition, (share.get(partition) ?? 0) + units / parts.length);
  return share;
}
