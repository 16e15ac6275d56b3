import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { interceptLocalhostDns } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { listPartition, LISTINGS } from '@stint/core/store/table-keys';
import { createIntakeHandler } from '@stint/functions/intake-handler';
import { changeVisibilityByArn } from '@stint/functions/message-retry';
import { EMULATOR_REGION } from '@stint/local/emulators';
import { engineInternals } from '@stint/core/testing';
import { attachTestStack, createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { throttleDynamo, type Throttle } from '../support/throttle.ts';

/**
 * An intake message the table refused (throttled past the SDK's retries) is not the producer's
 * fault: it is reported failed, shown again seconds later rather than after the queue's
 * visibility timeout, and submitted once when it comes back. One the intake refuses is shown
 * again at once: another look cannot change a refusal, and the DLQ's alarm should not wait. The intake is told no queue URL:
 * it finds its queue by the ARN the event names.
 */

const QUICK = defineJob({ type: 'QUICK', access: { intake: true }, async run() {} });
const TENANT = 'acme';

let restoreDns: () => void;
let emulators: Emulators;
let plain: TestStack;
let stack: TestStack;
let throttle: Throttle;

beforeAll(async () => {
  // fauxqs names its queues sqs.<region>.localhost; the SQS client sends to a queue URL's host.
  restoreDns = interceptLocalhostDns();
  emulators = await startEmulators({ dynamo: 'dynalite' });
  const options = { definitions: [QUICK] };
  plain = await createTestStack(emulators, options);
  throttle = throttleDynamo(emulators, () => true);
  stack = attachTestStack(throttle.clients, plain.provisioned, plain.config, options);
});
afterAll(async () => {
  await stack?.stop();
  await plain?.stop();
  await emulators?.stop();
  restoreDns?.();
});

/** The message as the event source mapping hands it over: out of sight for 12 minutes. */
async function receive(queueUrl: string, messageId: string, visibilityTimeout?: number): Promise<Message | undefined> {
  const out = await plain.clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ['All'],
      ...(visibilityTimeout ? { VisibilityTimeout: visibilityTimeout } : {}),
    }),
  );
  return out.Messages?.find((m) => m.MessageId === messageId);
}

function recordOf(queueUrl: string, message: Message): SQSRecord {
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body!,
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'producer',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${EMULATOR_REGION}:000000000000:${queueUrl.slice(queueUrl.lastIndexOf('/') + 1)}`,
    awsRegion: EMULATOR_REGION,
  };
}

describe('an intake message the table throttled', () => {
  it('shows again after a backoff of seconds and is submitted once when it comes back', async () => {
    const queueUrl = plain.provisioned.queueUrls.intake;
    // The lowest jitter: a first receive's backoff is 5 s.
    const intake = createIntakeHandler(stack.engine, {
      defaultTenant: TENANT,
      binding: { '*': [TENANT] },
      changeVisibility: changeVisibilityByArn(plain.clients.sqs),
      random: () => 0,
    });
    const sent = await plain.clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ type: 'QUICK', tenant: TENANT }) }));
    let message: Message | undefined;
    while (message === undefined) message = await receive(queueUrl, sent.MessageId!, 720);

    const refused = await intake({ Records: [recordOf(queueUrl, message)] });
    expect(refused.batchItemFailures).toEqual([{ itemIdentifier: sent.MessageId }]);
    expect(Object.values(throttle.refused).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);

    const failedAt = Date.now();
    let again: Message | undefined;
    while (again === undefined && Date.now() - failedAt < 20_000) again = await receive(queueUrl, sent.MessageId!, 720);
    expect(again?.Attributes?.ApproximateReceiveCount).toBe('2');

    throttle.cool();
    const accepted = await intake({ Records: [recordOf(queueUrl, again!)] });
    expect(accepted.batchItemFailures).toEqual([]);
    await plain.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: again!.ReceiptHandle! }));
    const listed = await engineInternals(plain.engine).deps.jobs.queryIndex({ index: 'gsi1', partition: listPartition(TENANT, LISTINGS[0]!) });
    expect(listed.keys).toHaveLength(1);
  });
});

describe('an intake message the intake refuses', () => {
  it('shows again at once, so its receives run out and it reaches the DLQ in seconds', async () => {
    const queueUrl = plain.provisioned.queueUrls.intake;
    const intake = createIntakeHandler(plain.engine, {
      defaultTenant: TENANT,
      binding: { '*': [TENANT] },
      changeVisibility: changeVisibilityByArn(plain.clients.sqs),
    });
    const sent = await plain.clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ type: 'lowercase' }) }));
    let message: Message | undefined;
    while (message === undefined) message = await receive(queueUrl, sent.MessageId!, 720);

    expect(await intake({ Records: [recordOf(queueUrl, message)] })).toEqual({ batchItemFailures: [{ itemIdentifier: sent.MessageId }] });

    // Received out of sight for 12 minutes, yet back within a couple of seconds.
    const refusedAt = Date.now();
    let again: Message | undefined;
    while (again === undefined && Date.now() - refusedAt < 3_000) again = await receive(queueUrl, sent.MessageId!, 720);
    expect(again?.Attributes?.ApproximateReceiveCount).toBe('2');
    await plain.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: again!.ReceiptHandle! }));
  });
});
