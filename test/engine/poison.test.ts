import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { defineJob } from '@stint/sdk';
import { createIntakeHandler } from '@stint/functions/intake-handler';
import { SqsPoller } from '@stint/local/sqs-poller';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { eventually } from '../support/gate.ts';
import { engineInternals } from '@stint/core/testing';

const ECHO = defineJob({ type: 'ECHO', access: { intake: true }, run: async (ctx) => ({ echoed: ctx.data }) });

/** An object `depth` levels deep, as JSON text: `{"a":{"a":…1}}`. */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

async function dlqMessages(stack: TestStack, queue: 'work' | 'intake'): Promise<string[]> {
  const out = await stack.clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: stack.provisioned.dlqUrls[queue], MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
  );
  return (out.Messages ?? []).map((m) => m.Body ?? '');
}

let emulators: Emulators;
beforeAll(async () => {
  emulators = await startEmulators();
});
afterAll(async () => {
  await emulators?.stop();
});

describe('poison and invalid messages', () => {
  it('redrives a poison work message to the DLQ after maxReceiveCount; its batch partners run', async () => {
    const stack = await createTestStack(emulators, { definitions: [ECHO], visibilityTimeoutSeconds: 1, concurrency: 1 });
    try {
      await stack.clients.sqs.send(new SendMessageCommand({ QueueUrl: stack.provisioned.queueUrls.work, MessageBody: 'not json' }));
      const jobs = await Promise.all([1, 2, 3].map((n) => stack.engine.submit({ type: 'ECHO', tenant: 'acme', data: { n } })));
      await stack.runUntil(async () => (await dlqMessages(stack, 'work')).includes('not json'), 30_000);
      for (const { job } of jobs) {
        expect((await stack.engine.get(job.id, { tenant: 'acme' })).status).toBe('FINISHED');
      }
    } finally {
      await stack.stop();
    }
  });

  it('logs an invalid intake message with its reason, creates nothing, and leaves it for the DLQ', async () => {
    const stack = await createTestStack(emulators, { definitions: [ECHO], visibilityTimeoutSeconds: 1 });
    const rejections: Array<{ reason: string; field?: string }> = [];
    const intake = new SqsPoller({
      sqs: stack.clients.sqs,
      queues: [{ url: stack.provisioned.queueUrls.intake, arn: 'arn:aws:sqs:us-east-1:000000000000:intake' }],
      handler: createIntakeHandler(stack.engine, { defaultTenant: 'acme', binding: { '*': ['acme'] }, onRejected: (r) => rejections.push(r) }),
      concurrency: 1,
    });
    const send = (body: unknown) =>
      stack.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: stack.provisioned.queueUrls.intake, MessageBody: typeof body === 'string' ? body : JSON.stringify(body) }),
      );
    try {
      await send('{oops');
      await send({ type: 'lowercase' });
      await send({ type: 'UNKNOWN_TYPE' });
      // Deeper than DynamoDB stores, and deep enough to overflow a recursive serializer.
      await send(`{"type":"ECHO","data":${nested(5_000)}}`);
      await send({ type: 'ECHO', data: { a: 1 }, idempotencyKey: 'k-1' });
      await send({ type: 'ECHO', data: { a: 1 }, idempotencyKey: 'k-1' });
      intake.start();
      await eventually(async () => (await dlqMessages(stack, 'intake')).length >= 4, 30_000);
      await intake.stop();

      expect(new Set(rejections.map((r) => r.reason))).toEqual(
        new Set([
          'body must be valid JSON; got text that does not parse',
          'type must be a job type (an upper-case letter, then up to 63 upper-case letters, digits and _, e.g. EXECUTE_ACTION); got "lowercase"',
          // ECHO, and the monitor's system types every engine runs.
          'type must be a job type this deployment runs (BULK_OPERATION, CLEAR_INACTIVE, ECHO, EXPORT_JOBS); got "UNKNOWN_TYPE"',
          'data must nest at most 31 levels of objects and lists; got more than 31',
        ]),
      );
      // Redelivered until the DLQ takes them, so each reason may come more than once.
      const fields = (start: string) => new Set(rejections.filter((r) => r.reason.startsWith(start)).map((r) => r.field));
      expect(fields('type must be')).toEqual(new Set(['type']));
      expect(fields('data must')).toEqual(new Set(['data']));
      const listed = await engineInternals(stack.engine).deps.jobs.queryIndex({ index: 'gsi1', partition: 'T#acme#u' });
      expect(listed.keys).toHaveLength(1);
    } finally {
      await intake.stop();
      await stack.stop();
    }
  });

  it('refuses a job whose data nests deeper than DynamoDB stores, from code as from intake, and stores 31 levels', async () => {
    const stack = await createTestStack(emulators, { definitions: [ECHO] });
    try {
      const deep = (depth: number) => JSON.parse(nested(depth)) as Record<string, unknown>;
      for (const depth of [32, 5_000]) {
        await expect(stack.engine.submit({ type: 'ECHO', tenant: 'acme', data: deep(depth) })).rejects.toMatchObject({
          code: 'badRequest',
          field: 'data',
          message: 'data must nest at most 31 levels of objects and lists; got more than 31',
        });
      }
      const { job } = await stack.engine.submit({ type: 'ECHO', tenant: 'acme', data: deep(31) });
      expect((await stack.engine.get(job.id, { tenant: 'acme' })).data).toEqual(deep(31));
    } finally {
      await stack.stop();
    }
  });
});
