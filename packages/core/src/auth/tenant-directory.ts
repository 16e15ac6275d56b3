import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TableGateway } from '../store/table-gateway.ts';
import { TENANT_DIRECTORY, tenantDirectoryKey } from '../store/table-keys.ts';

/**
 * The tenants that have jobs, so an admin's all-tenant list can merge each tenant's index
 * partitions without a Scan. One item per tenant (pk `TENANTS`, sk `<tenant>`), written
 * before the tenant's first job; a process remembers what it already wrote, so the steady
 * state costs no write at all.
 */
export class TenantDirectory {
  readonly #known = new Set<string>();
  readonly #table: TableGateway;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#table = new TableGateway(client, tableName);
  }

  /** Idempotent: a second writer of the same tenant puts the same item. */
  async remember(tenant: string): Promise<void> {
    if (this.#known.has(tenant)) return;
    await this.#table.put(tenantDirectoryKey(tenant));
    this.#known.add(tenant);
  }

  async list(): Promise<string[]> {
    const tenants = (await this.#table.queryPartitionAll(TENANT_DIRECTORY, '', { projection: 'sk' })).map((item) => item.sk as string);
    for (const tenant of tenants) this.#known.add(tenant);
    return tenants;
  }

  /** Up to `limit` tenants after `after`, in name order: a walk over the directory a page at a time. */
  async page(after: string | undefined, limit: number): Promise<string[]> {
    const page = await this.#table.queryPage({
      KeyConditionExpression: after === undefined ? 'pk = :pk' : 'pk = :pk AND sk > :after',
      ExpressionAttributeValues: { ':pk': TENANT_DIRECTORY, ...(after === undefined ? {} : { ':after': after }) },
      ProjectionExpression: 'sk',
      Limit: limit,
    });
    return page.items.map((item) => item.sk as string);
  }
}
