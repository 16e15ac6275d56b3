import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { defineJob } from '@stint/sdk';
import { Engine } from '@stint/core';
import { JobStore } from '@stint/core/store/job-store';
import { JobRegistry } from '@stint/sdk';
import { createTestStack, startEmulators, type Emulators } from '../support/stack.ts';
import { eventually } from '../support/gate.ts';

const QUICK = defineJob({ type: 'QUICK', run: async () => ({ done: true }) });

let emulators: Emulators;
beforeAll(async () => {
  emulators = await startEmulators();
});
afterAll(async () => {
  await emulators?.stop();
});

describe('injected faults', () => {
  it('keeps an accepted job when its work message cannot be sent; the sweeper sends it', async () => {
    const stack = await createTestStack(emulators, { definitions: [QUICK], redispatchAfterMs: 200 });
    // A second engine on the same table whose SQS client fails every send (an SQS outage).
    const failingSqs = new SQSClient({ region: 'us-east-1' });
    mockClient(failingSqs)
      .on(SendMessageCommand)
      .rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $fault: 'server' }));
    const warnings: string[] = [];
    const broken = new Engine({
      clients: { ...stack.clients, sqs: failingSqs },
      config: stack.config,
      registry: new JobRegistry([QUICK]),
      onEvent: (e) => e.type === 'warning' && warnings.push(e.message),
    });
    try {
      const { job } = await broken.submit({ type: 'QUICK', tenant: 'acme' });
      expect(job.status).toBe('PENDING');
      expect(warnings).toContain('work message not sent; the sweeper will resend it');

      await new Promise((r) => setTimeout(r, 250));
      const report = await stack.engine.sweep();
      expect(report.lostDispatches).toBe(1);
      await stack.runUntil(async () => (await stack.engine.get(job.id, { tenant: 'acme' })).status === 'FINISHED');
    } finally {
      await stack.stop();
    }
  });

  it('retries unprocessed batch-write items (throttling) until every item is written', async () => {
    const stack = await createTestStack(emulators, { definitions: [QUICK] });
    const real = stack.clients.dynamo;
    const throttled = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    let calls = 0;
    mockClient(throttled)
      .on(BatchWriteCommand)
      .callsFake(async (input) => {
        calls++;
        const requests = input.RequestItems[stack.config.tableName] as unknown[];
        // The first answer leaves half the items unprocessed, as a throttled table does.
        const written = calls === 1 ? requests.slice(0, Math.ceil(requests.length / 2)) : requests;
        await real.send(new BatchWriteCommand({ RequestItems: { [stack.config.tableName]: written as never } }));
        const rest = requests.slice(written.length);
        return rest.length ? { UnprocessedItems: { [stack.config.tableName]: rest } } : {};
      });
    const store = new JobStore(throttled, stack.config.tableName);
    await store.batchWrite(Array.from({ length: 20 }, (_, i) => ({ PutRequest: { Item: { pk: 'X#throttle', sk: String(i) } } })));
    expect(calls).toBe(2);
    const page = await new JobStore(real, stack.config.tableName).queryPartition('X#throttle', '');
    expect(page.items).toHaveLength(20);
    await stack.stop();
  });

  it('turns a conditional-check failure into a lost race, not an error', async () => {
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    mockClient(dynamo)
      .on(UpdateCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    expect(await new JobStore(dynamo, 'any').tryUpdate('j', { set: { a: 1 }, condition: '#a = :b', values: { ':b': 2 } })).toBeNull();
  });

  it('reports a failed work message in its batch without failing the partners', async () => {
    const stack = await createTestStack(emulators, { definitions: [QUICK] });
    const { job } = await stack.engine.submit({ type: 'QUICK', tenant: 'acme' });
    const body = JSON.stringify({ v: 1, jobId: job.id, rootId: job.rootId, tenant: 'acme' });
    const { failed, outcomes } = await stack.engine.processBatch([{ body: '{"v":2}' }, { body }]);
    expect(failed).toEqual([0]);
    expect(outcomes[1]).toBe('finished');
    await eventually(async () => (await stack.engine.get(job.id, { tenant: 'acme' })).status === 'FINISHED');
    await stack.stop();
  });
});
