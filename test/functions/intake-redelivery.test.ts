import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { eventPartition, listPartition, LISTINGS } from '@stint/core/store/table-keys';
import { createIntakeHandler } from '@stint/functions/intake-handler';
import { engineInternals } from '@stint/core/testing';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';

/**
 * SQS delivers a message at least once, and a batch whose answer never reached Lambda (the
 * function timed out or died after its writes) is delivered again whole. Each message makes
 * its job or event once: the message id keys it, unless the producer named its own key.
 */

const QUICK = defineJob({ type: 'QUICK', access: { intake: true }, async run() {} });

let emulators: Emulators;
let stack: TestStack;
beforeAll(async () => {
  emulators = await startEmulators();
  stack = await createTestStack(emulators, { definitions: [QUICK] });
});
afterAll(async () => {
  await stack?.stop();
  await emulators?.stop();
});

function record(messageId: string, body: unknown): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'producer', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:intake',
    awsRegion: 'us-east-1',
  };
}

const listed = async (tenant: string) =>
  (await engineInternals(stack.engine).deps.jobs.queryIndex({ index: 'gsi1', partition: listPartition(tenant, LISTINGS[0]!) })).keys.length;

describe('an intake message delivered again', () => {
  it('makes its job once, however often the same message comes, and one job per distinct message', async () => {
    const tenant = 'redelivered-jobs';
    const accepted: Array<{ id: string; created: boolean }> = [];
    const intake = createIntakeHandler(stack.engine, {
      defaultTenant: tenant,
      binding: { '*': [tenant] },
      onAccepted: (job, created) => accepted.push({ id: job.id, created }),
    });
    const message = record('m-1', { type: 'QUICK' });

    expect(await intake({ Records: [message] })).toEqual({ batchItemFailures: [] });
    expect(await intake({ Records: [message, record('m-2', { type: 'QUICK' })] })).toEqual({ batchItemFailures: [] });

    expect(await listed(tenant)).toBe(2);
    const [first, again] = [accepted[0]!, accepted.find((a, i) => i > 0 && a.id === accepted[0]!.id)];
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, created: false });
    expect(accepted.filter((a) => a.created)).toHaveLength(2);
  });

  it('keeps the producer’s own key: two messages naming one key make one job', async () => {
    const tenant = 'producer-keys';
    const intake = createIntakeHandler(stack.engine, { defaultTenant: tenant, binding: { '*': [tenant] } });
    const body = { type: 'QUICK', idempotencyKey: 'order-17' };

    await intake({ Records: [record('k-1', body)] });
    await intake({ Records: [record('k-2', body)] });

    expect(await listed(tenant)).toBe(1);
  });

  it('stores its event once, under an id the message names', async () => {
    const tenant = 'redelivered-events';
    const sent: string[] = [];
    const intake = createIntakeHandler(stack.engine, {
      defaultTenant: tenant,
      binding: { '*': [tenant] },
      onEventSent: ({ id }) => sent.push(id),
    });
    const message = record('e-1', { event: { name: 'approved', key: 'order-9', data: { by: 'ann' } } });

    await intake({ Records: [message] });
    await intake({ Records: [message] });

    expect(sent).toEqual(['sqs:e-1', 'sqs:e-1']);
    const events = await engineInternals(stack.engine).deps.jobs.queryPartitionAll(eventPartition(tenant, 'approved', 'order-9'), '');
    expect(events.map((e) => e.sk)).toEqual(['sqs:e-1']);
  });
});
