import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface ScanOptions {
  /** Scan a global secondary index instead of the table. */
  index?: string;
  /** Only these attributes (names, registered as `#n<i>`). */
  attributes?: readonly string[];
}

/**
 * Every item of the local table (or of one of its indexes), page by page. Core never scans:
 * this is for the local stack's startup repair only, where the table is one developer's.
 */
export async function scanAll(client: DynamoDBDocumentClient, tableName: string, options: ScanOptions = {}): Promise<Array<Record<string, unknown>>> {
  const names = Object.fromEntries((options.attributes ?? []).map((attribute, i) => [`#n${i}`, attribute]));
  const items: Array<Record<string, unknown>> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await client.send(
      new ScanCommand({
        TableName: tableName,
        ...(options.index ? { IndexName: options.index } : {}),
        ...(options.attributes ? { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names } : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...((out.Items ?? []) as Array<Record<string, unknown>>));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items;
}
