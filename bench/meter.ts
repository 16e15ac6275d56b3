import type { AwsClients } from '@stint/core';

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
  reset(): void;
}

type Capacity = { CapacityUnits?: number };

/**
 * Counts what a run consumes by asking DynamoDB for ReturnConsumedCapacity=INDEXES on every
 * request (so index writes count too) and counting SQS requests. A failed conditional write
 * is billed one write unit by AWS but returns no capacity, so it is counted as one.
 */
export function attachMeter(clients: AwsClients): Meter {
  const meter: Meter = {
    readUnits: 0,
    writeUnits: 0,
    sqsRequests: 0,
    dynamoRequests: 0,
    writesBy: {},
    reset() {
      this.readUnits = this.writeUnits = this.sqsRequests = this.dynamoRequests = 0;
      this.writesBy = {};
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
