import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readPartition } from '../query/table-reader.ts';
import { TENANT_DIRECTORY } from '../store/table-keys.ts';

/**
 * The tenants that have jobs, so an admin's all-tenant list can merge each tenant's index
 * partitions without a Scan. One item per tenant (pk `TENANTS`, sk `<tenant>`), written
 * before the tenant's first job; a process remembers what it already wrote, so the steady
 * state costs no write at all.
 */
export class TenantDirectory {
  readonly #known = new Set<string>();

  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /** Idempotent: a second writer of the same tenant puts the same item. */
  async remember(tenant: string): Promise<void> {
    if (this.#known.has(tenant)) return;
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: TENANT_DIRECTORY, sk: tenant } }));
    this.#known.add(tenant);
  }

  async list(): Promise<string[]> {
    const tenants = (await readPartition(this, TENANT_DIRECTORY, 'sk')).map((item) => item.sk as string);
    for (const tenant of tenants) this.#known.add(tenant);
    return tenants;
  }

  /** Up to `limit` tenants after `after`, in name order: a walk over the directory a page at a time. */
  async page(after: string | undefined, limit: number): Promise<string[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: after === undefined ? 'pk = :pk' : 'pk = :pk AND sk > :after',
        ExpressionAttributeValues: { ':pk': TENANT_DIRECTORY, ...(after === undefined ? {} : { ':after': after }) },
        ProjectionExpression: 'sk',
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((item) => item.sk as string);
  }
}
