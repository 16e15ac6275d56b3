import type { AwsClients } from '@stint/core';
import type { KeyLoad } from './ceilings.ts';
import { classify } from './key-classes.ts';
import { indexKeysOf, indexUnitsByPartition, itemWrites, readOf, type IndexKeys } from './key-touches.ts';

/** AWS list prices, us-east-1 (on-demand DynamoDB, standard SQS, Lambda requests). */
export const PRICES = { writeUnit: 0.625e-6, readUnit: 0.125e-6, sqsRequest: 0.4e-6, lambdaRequest: 0.2e-6 } as const;

const READS = new Set(['GetCommand', 'QueryCommand', 'BatchGetCommand', 'GetItemCommand', 'BatchGetItemCommand']);
const WRITES = new Set([
  'PutCommand',
  'UpdateCommand',
  'DeleteCommand',
  'BatchWriteCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
]);

export interface Meter {
  readUnits: number;
  writeUnits: number;
  sqsRequests: number;
  dynamoRequests: number;
  /** Write units by command and what it wrote (update expression's first clause, or the key prefix). */
  writesBy: Record<string, number>;
  /** Units per partition key of the table and of each index, classified by key-classes.ts. */
  keyLoads(): KeyLoad[];
  reset(): void;
}

type Capacity = { CapacityUnits?: number; Table?: { CapacityUnits?: number }; GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }> };

/**
 * Counts what a run consumes by asking DynamoDB for ReturnConsumedCapacity=INDEXES on every
 * request (so index writes count too) and counting SQS requests. A failed conditional write
 * is billed one write unit by AWS but returns no capacity, so it is counted as one.
 */
export function attachMeter(clients: AwsClients): Meter {
  const keys = new KeyCounter();
  const meter: Meter = {
    readUnits: 0,
    writeUnits: 0,
    sqsRequests: 0,
    dynamoRequests: 0,
    writesBy: {},
    keyLoads: () => keys.loads(),
    reset() {
      this.readUnits = this.writeUnits = this.sqsRequests = this.dynamoRequests = 0;
      this.writesBy = {};
      keys.reset();
    },
  };
  clients.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      const isRead = READS.has(command);
      const isWrite = WRITES.has(command);
      if (isRead || isWrite) (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'INDEXES';
      meter.dynamoRequests++;
      try {
        const out = await next(args);
        const consumed = (out.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
        const units = [consumed ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
        keys.count(command, args.input as Record<string, unknown>, [consumed ?? []].flat(), out.output as Record<string, unknown>);
        if (isRead) meter.readUnits += units;
        if (isWrite) {
          meter.writeUnits += units;
          const label = writeLabel(command, args.input as Record<string, unknown>);
          meter.writesBy[label] = (meter.writesBy[label] ?? 0) + units;
        }
        return out;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') {
          meter.writeUnits += 1;
          const label = `${writeLabel(command, args.input as Record<string, unknown>)} (condition failed)`;
          meter.writesBy[label] = (meter.writesBy[label] ?? 0) + 1;
          keys.countFailedCondition(command, args.input as Record<string, unknown>);
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'stintBenchMeter' },
  );
  clients.sqs.middlewareStack.add(
    (next) => async (args) => {
      meter.sqsRequests++;
      return next(args);
    },
    { step: 'initialize', name: 'stintBenchMeter' },
  );
  return meter;
}

/** A short name for what a write did, to see where write units go. */
function writeLabel(command: string, input: Record<string, unknown>): string {
  const key = (input.Key ?? input.Item) as { pk?: string; sk?: string } | undefined;
  const target = key?.pk ? `${key.pk.split('#')[0]}#/${(key.sk ?? '').split('#')[0]}` : '';
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const first = typeof input.UpdateExpression === 'string' ? input.UpdateExpression.split(',')[0]!.replace(/#\w+/g, (n) => names[n] ?? n) : '';
  return `${command.replace('Command', '')} ${target} ${first}`.trim();
}

/**
 * The per-key side of the meter: table units go to the item's partition key, each index's
 * units to the index partitions the write moved the item's entry out of and into (what each
 * item's index keys were is learned from the writes seen, key-touches.ts), read units to the
 * partition read.
 */
class KeyCounter {
  readonly #units = new Map<string, Pick<KeyLoad, 'index' | 'key' | 'writeUnits' | 'readUnits' | 'pacedWrites' | 'pacedWriteUnits'>>();
  readonly #indexKeys = new Map<string, IndexKeys>();

  count(command: string, input: Record<string, unknown>, consumed: Capacity[], output: Record<string, unknown>): void {
    const table = tableOf(input);
    const capacity = consumed.find((c) => (c as { TableName?: string }).TableName === table) ?? consumed[0];
    if (!capacity) return;
    const read = readOf(command, input, table);
    if (read) {
      const units = capacity.CapacityUnits ?? 0;
      for (const key of read.keys) this.#add(read.index, key, 'readUnits', units / read.keys.length);
      return;
    }
    const writes = itemWrites(command, input, table, (item) => this.#indexKeys.get(item));
    if (writes.length === 0) return;
    const kind = isPaced(input) ? 'pacedWriteUnits' : 'writeUnits';
    const tableUnits = capacity.Table?.CapacityUnits ?? capacity.CapacityUnits ?? 0;
    for (const write of writes) this.#add('table', write.pk, kind, tableUnits / writes.length);
    for (const [index, { CapacityUnits = 0 }] of Object.entries(capacity.GlobalSecondaryIndexes ?? {})) {
      for (const [partition, units] of indexUnitsByPartition(writes, index, CapacityUnits)) this.#add(index, partition, kind, units);
    }
    // An update that returned the item says for certain which index partitions it now holds.
    const returned = output.Attributes as Record<string, unknown> | undefined;
    for (const write of writes) {
      if (write.after === undefined) this.#indexKeys.delete(write.item);
      else this.#indexKeys.set(write.item, returned && writes.length === 1 && input.ReturnValues === 'ALL_NEW' ? indexKeysOf(returned) : write.after);
    }
  }

  /** A failed conditional write is billed one unit on the table and writes no index. */
  countFailedCondition(command: string, input: Record<string, unknown>): void {
    for (const write of itemWrites(command, input, tableOf(input), () => undefined)) this.#add('table', write.pk, 'writeUnits', 1);
  }

  loads(): KeyLoad[] {
    return [...this.#units.values()].map((entry) => {
      const { name, ...scope } = classify(entry.index, entry.key);
      return { ...entry, class: name, ...scope };
    });
  }

  reset(): void {
    this.#units.clear();
  }

  /** Units to one key; a paced write's to its own tally, with the write counted (once per key: a moved entry's halves are summed first). */
  #add(index: string, key: string, kind: 'writeUnits' | 'readUnits' | 'pacedWriteUnits', units: number) {
    const id = `${index}\u0000${key}`;
    const entry = this.#units.get(id) ?? { index, key, writeUnits: 0, readUnits: 0 };
    if (kind === 'pacedWriteUnits') {
      entry.pacedWrites = (entry.pacedWrites ?? 0) + 1;
      entry.pacedWriteUnits = (entry.pacedWriteUnits ?? 0) + units;
    } else entry[kind] += units;
    this.#units.set(id, entry);
  }
}

/**
 * A root's re-sort in its lane, the write the engine paces by time (ceilings.ts
 * PACED_WRITES_PER_SECOND): the one update that sets `sortedAt`. One refused by its condition
 * is not paced (several charges may try at once) and counts per job.
 */
export function isPaced(input: Record<string, unknown>): boolean {
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const placeholder = Object.keys(names).find((name) => names[name] === 'sortedAt');
  return placeholder !== undefined && typeof input.UpdateExpression === 'string' && input.UpdateExpression.includes(`${placeholder} =`);
}

function tableOf(input: Record<string, unknown>): string {
  return (input.TableName as string | undefined) ?? Object.keys((input.RequestItems as Record<string, unknown> | undefined) ?? {})[0] ?? '';
}
