import { createServer, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '@stint/local/dynamodb-local';

/**
 * DynamoDB Local keeps running after it fails to bind its port, so another server on that
 * port must not pass for it (packages/local/src/dynamodb-local.ts).
 */
describe('starting DynamoDB Local', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('refuses a port another HTTP server answers on, rather than talking to that server', async () => {
    const other: Server = createServer((_request, response) => response.end('not DynamoDB'));
    await new Promise<void>((resolve) => other.listen(0, '0.0.0.0', resolve));
    closers.push(() => new Promise((resolve) => other.close(resolve)));
    const port = (other.address() as { port: number }).port;

    await expect(startDynamoDbLocal(port)).rejects.toThrow(`could not bind http://127.0.0.1:${port}`);
  });

  it('starts on a free port of its own, below the ephemeral range the other servers are given ports from', async () => {
    const dynamo = await startDynamoDbLocal();
    closers.push(dynamo.stop);
    const port = Number(new URL(dynamo.endpoint).port);
    expect(port).toBeGreaterThanOrEqual(10_000);
    expect(port).toBeLessThan(32_768);
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
  });
});
