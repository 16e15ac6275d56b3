import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readPartition } from '../query/table-reader.ts';

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
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: 'TENANTS', sk: tenant } }));
    this.#known.add(tenant);
  }

  async list(): Promise<string[]> {
    const tenants = (await readPartition(this, 'TENANTS', 'sk')).map((item) => item.sk as string);
    for (const tenant of tenants) this.#known.add(tenant);
    return tenants;
  }
}
