import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** What the log and stats readers need of a store; JobStore and CounterStore both fit. */
export interface TableReader {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}
