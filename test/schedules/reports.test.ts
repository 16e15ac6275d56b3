import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTopicCommand, ListSubscriptionsByTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { defineJob, defineSchedule, NonRetriableError } from '@stint/sdk';
import { parseScheduleListQuery } from '@stint/core/schedules/schedule-input';
import { openCursors } from '@stint/core/query/cursor';
import { createTestStack, startEmulators, uniqueName, type Emulators, type TestStack } from '../support/stack.ts';
import { engineInternals } from '@stint/core/testing';

const QUICK = defineJob({ type: 'QUICK', run: async () => ({}) });
const WARNS = defineJob({
  type: 'WARNS',
  async run(ctx) {
    ctx.log.error('row 17: city is missing');
    ctx.log.info('done');
  },
});
const FAILS = defineJob({
  type: 'FAILS',
  async run() {
    throw new NonRetriableError('the source bucket does not exist');
  },
});
const schedule = (id: string, jobType: string) =>
  defineSchedule({ id, description: `Runs ${jobType}`, jobType, data: {}, scope: 'tenant', automatic: { cron: '0 1 * * *', timeZone: 'UTC' } });
const SCHEDULES = [schedule('quick-one', 'QUICK'), schedule('warns-one', 'WARNS'), schedule('fails-one', 'FAILS')];
const TENANT = 'acme';
const SCOPE = { tenant: TENANT };
const ADA = { id: 'key-ada', name: 'Ada' };

interface Envelope {
  Subject: string;
  Message: string;
  MessageAttributes: Record<string, { Type: string; Value: string }>;
}

describe('run status and reports', () => {
  let emulators: Emulators;
  let stack: TestStack;
  let inbox: string;

  beforeAll(async () => {
    emulators = await startEmulators();
    const probe = await createTestStack(emulators, { definitions: [] });
    const topic = await probe.clients.sns.send(new CreateTopicCommand({ Name: uniqueName('reports') }));
    // A queue stands in for the recipients' mailboxes: SNS delivers to it what it would email.
    // Unfiltered: fauxqs matches a String.Array attribute as one string, not per element as SNS does.
    inbox = (await probe.clients.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('inbox') }))).QueueUrl!;
    const inboxArn = (await probe.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: inbox, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    await probe.clients.sns.send(
      new SubscribeCommand({
        TopicArn: topic.TopicArn,
        Protocol: 'sqs',
        Endpoint: inboxArn,
      }),
    );
    stack = await createTestStack(emulators, { definitions: [QUICK, WARNS, FAILS], schedules: SCHEDULES, reportTopicArn: topic.TopicArn! });
    await engineInternals(stack.engine).deps.tenants.remember(TENANT);
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const rows = async (status?: string) =>
    (await stack.engine.schedules.list(SCOPE, parseScheduleListQuery(status ? { status } : {}), ADA.id, openCursors)).items;

  async function receive(count: number, waitMs = 15_000): Promise<Envelope[]> {
    const got: Envelope[] = [];
    const deadline = Date.now() + waitMs;
    while (got.length < count && Date.now() < deadline) {
      const out = await stack.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: inbox, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      for (const message of out.Messages ?? []) {
        got.push(JSON.parse(message.Body!) as Envelope);
        await stack.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: inbox, ReceiptHandle: message.ReceiptHandle! }));
      }
    }
    return got;
  }

  it('turning reports on subscribes each new address by email, filtered to messages that list it', async () => {
    const row = await stack.engine.schedules.update({ id: 'warns-one', tenant: TENANT }, SCOPE, {
      report: { enabled: true, recipients: ['ops@example.com', 'lead@example.com'] },
    });
    expect(row.report).toEqual({ enabled: true, recipients: ['ops@example.com', 'lead@example.com'] });
    const subscriptions = await stack.clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: stack.config.reportTopicArn }));
    expect(
      subscriptions
        .Subscriptions!.filter((s) => s.Protocol === 'email')
        .map((s) => s.Endpoint)
        .sort(),
    ).toEqual(['lead@example.com', 'ops@example.com']);
  });

  it('each run ends as success, warnings or failed; the list filters by it', async () => {
    await stack.engine.schedules.runNow(
      SCHEDULES.map((s) => ({ id: s.id, tenant: TENANT })),
      SCOPE,
      { kind: 'caller', principal: { keyId: ADA.id, name: ADA.name, role: 'tenant-admin', tenant: TENANT } },
    );
    await stack.runUntil(async () => (await rows()).every((row) => row.lastRun !== null && row.lastRun.status !== 'running'));
    const byId = Object.fromEntries((await rows()).map((row) => [row.id, row.lastRun!.status]));
    expect(byId).toEqual({ 'quick-one': 'success', 'warns-one': 'warnings', 'fails-one': 'failed' });
    expect((await rows('warnings,failed')).map((row) => row.id).sort()).toEqual(['fails-one', 'warns-one']);
    // The warning run logged an ERROR line Ada has not opened yet; the quick one logged nothing.
    const unread = Object.fromEntries((await rows()).map((row) => [row.id, row.unreadLogs]));
    expect(unread).toMatchObject({ 'quick-one': false, 'warns-one': true });
  });

  it('publishes one report for the run whose schedule reports, with its status, times and error lines', async () => {
    const [report] = await receive(1);
    // Only the schedule with reports on sends one (the other two runs ended as well).
    expect(await receive(1, 1_500)).toEqual([]);
    expect(report!.Subject).toBe('[Stint] warns-one (tenant acme) succeeded with warnings');
    expect(report!.Message).toContain('Status:    FINISHED, with errors');
    expect(report!.Message).toMatch(/Started: {3}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(report!.Message).toContain('row 17: city is missing');
    expect(JSON.parse(report!.MessageAttributes.recipients!.Value)).toEqual(['ops@example.com', 'lead@example.com']);
    expect(report!.MessageAttributes.status!.Value).toBe('warnings');
    const row = (await rows()).find((r) => r.id === 'warns-one')!;
    expect(row.lastReport).toMatchObject({ jobId: row.lastRun!.jobId, error: null });
  });

  it('opening a run clears its unread marker for that viewer only', async () => {
    const row = (await rows()).find((r) => r.id === 'warns-one')!;
    await stack.engine.schedules.markSeen(ADA.id, { id: row.lastRun!.jobId, scheduleId: 'warns-one' });
    expect((await rows()).find((r) => r.id === 'warns-one')!.unreadLogs).toBe(false);
    const other = await stack.engine.schedules.list(SCOPE, parseScheduleListQuery({}), 'key-bob', openCursors);
    expect(other.items.find((r) => r.id === 'warns-one')!.unreadLogs).toBe(true);
  });
});
