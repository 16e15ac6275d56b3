import { mockClient } from 'aws-sdk-client-mock';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
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
import type { AwsClients } from '@stint/core';
import { emulatorClients, type Emulators } from './stack.ts';

type Input = Record<string, unknown>;

const COMMANDS = { GetCommand, PutCommand, UpdateCommand, DeleteCommand, QueryCommand, BatchGetCommand, BatchWriteCommand } as const;

export interface Throttle {
  clients: AwsClients;
  /** Requests refused so far, by command. */
  refused: Record<string, number>;
  /** Stops refusing; the hot key cools down. */
  cool(): void;
  /** Refuses again, as at the start. */
  heat(): void;
}

/**
 * Clients on the emulators whose DynamoDB client refuses, with the errors DynamoDB throttles
 * with, every request `hot` picks, until `cool()`; every other request goes to the emulator
 * unchanged. The refusals stand for what reaches the engine once the SDK's own retries are
 * spent. Only faults are injected: the work is the emulator's.
 */
export function throttleDynamo(emulators: Emulators, hot: (command: keyof typeof COMMANDS, input: Input) => boolean): Throttle {
  const real = emulatorClients(emulators);
  const faulty = emulatorClients(emulators).dynamo;
  const mock = mockClient(faulty as DynamoDBDocumentClient);
  const refused: Record<string, number> = {};
  let hotNow = true;
  for (const [name, Command] of Object.entries(COMMANDS) as Array<[keyof typeof COMMANDS, (typeof COMMANDS)[keyof typeof COMMANDS]]>) {
    mock.on(Command as never).callsFake(async (input: Input) => {
      if (hotNow && hot(name, input)) {
        refused[name] = (refused[name] ?? 0) + 1;
        // Both names DynamoDB throttles with: a partition past its share, and the request rate.
        throw refused[name] % 2
          ? new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded', $metadata: {} })
          : Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException', $fault: 'client' });
      }
      return real.dynamo.send(new (Command as unknown as new (input: Input) => GetCommand)(input) as never);
    });
  }
  return {
    clients: { ...real, dynamo: faulty },
    refused,
    cool() {
      hotNow = false;
    },
    heat() {
      hotNow = true;
    },
  };
}

/** The partition keys a request names: its item's or items' pk, or the partition it queries. */
export function partitionsOf(input: Input): string[] {
  const key = (input.Key ?? input.Item) as { pk?: string } | undefined;
  if (key?.pk) return [key.pk];
  const batch = Object.values((input.RequestItems ?? {}) as Record<string, unknown>)[0];
  if (Array.isArray(batch)) return batch.map((r) => (r.PutRequest?.Item ?? r.DeleteRequest?.Key)?.pk as string);
  if (batch) return ((batch as { Keys: Array<{ pk: string }> }).Keys ?? []).map((k) => k.pk);
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  return typeof values[':pk'] === 'string' ? [values[':pk']] : [];
}

/** The string values a request carries (an index key it sets, a partition it queries). */
export function valuesOf(input: Input): unknown[] {
  return [...Object.values((input.Item ?? {}) as Input), ...Object.values((input.ExpressionAttributeValues ?? {}) as Input)];
}
