import { PublishCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from '@stint/core';
import { REPORTS } from '@stint/core/resource-spec';
import { provision, type Provisioned } from '@stint/local/provision';
import { formatReport, openReportInbox, readNotification, type InboxReport, type ReportInbox } from '@stint/local/report-inbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorClients, startEmulators, uniqueName, type Emulators } from '../support/stack.ts';

let emulators: Emulators;
let clients: AwsClients;
let prefix: string;
let provisioned: Provisioned;
let inbox: ReportInbox;
const reports: InboxReport[] = [];
const errors: unknown[] = [];

beforeAll(async () => {
  emulators = await startEmulators();
  clients = emulatorClients(emulators);
  prefix = `${uniqueName('reports')}-`;
  provisioned = await provision(clients, { tableName: uniqueName('jobs'), bucketName: uniqueName('exports'), queuePrefix: prefix });
  const options = {
    topicArn: provisioned.reportTopicArn,
    queuePrefix: prefix,
    onReport: (report: InboxReport) => reports.push(report),
    onError: (error: unknown) => errors.push(error),
  };
  // Opened twice, as a restart of the local stack would: still one queue and one subscription.
  await openReportInbox(clients, options);
  inbox = await openReportInbox(clients, options);
});

afterAll(async () => {
  await emulators.stop();
});

async function waitingInInbox(): Promise<number> {
  const out = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: inbox.queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(out.Attributes?.ApproximateNumberOfMessages);
}

describe('the local report topic and inbox', () => {
  it('provisions the topic idempotently, named after the prefix', async () => {
    expect(provisioned.reportTopicArn).toMatch(new RegExp(`:${prefix}${REPORTS.topicId}$`));
    const again = await provision(clients, { tableName: provisioned.tableName, bucketName: provisioned.bucketName, queuePrefix: prefix });
    expect(again.reportTopicArn).toBe(provisioned.reportTopicArn);
    expect(inbox.queueUrl).toMatch(new RegExp(`/${prefix}${REPORTS.topicId}-inbox$`));
  });

  it('receives a published report with its subject and recipients, once, and hands it to the callback', async () => {
    const recipients = ['ops@example.com', 'lead@example.com'];
    await clients.sns.send(
      new PublishCommand({
        TopicArn: provisioned.reportTopicArn,
        Subject: 'Nightly export: FINISHED',
        Message: 'Run of 02:00 finished in 4 min.\n12,000 records exported.',
        MessageAttributes: { [REPORTS.recipientsAttribute]: { DataType: 'String.Array', StringValue: JSON.stringify(recipients) } },
      }),
    );
    expect(await waitingInInbox()).toBe(1);

    expect(await inbox.poller.pollOnce()).toBe(true);
    expect(errors).toEqual([]);
    expect(reports).toEqual([{ subject: 'Nightly export: FINISHED', recipients, body: 'Run of 02:00 finished in 4 min.\n12,000 records exported.' }]);
    expect(await waitingInInbox()).toBe(0);

    const printed = formatReport(reports[0]!);
    expect(printed).toContain('To:      ops@example.com, lead@example.com');
    expect(printed).toContain('Subject: Nightly export: FINISHED');
    expect(printed).toContain('12,000 records exported.');
  });

  it('reports and drops a message that is not a report', async () => {
    reports.length = 0;
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: inbox.queueUrl, MessageBody: 'hello' }));
    expect(await inbox.poller.pollOnce()).toBe(true);
    expect(reports).toEqual([]);
    expect(String(errors.pop())).toMatch(/not an SNS notification: hello/);
    expect(await waitingInInbox()).toBe(0);
  });
});

describe('readNotification', () => {
  const envelope = (attributes: unknown) => JSON.stringify({ Type: 'Notification', Subject: 'S', Message: 'M', MessageAttributes: attributes });

  it('refuses a report without recipients: in AWS it would reach nobody', () => {
    expect(() => readNotification(envelope({}))).toThrow(/report "S" has no "recipients" attribute/);
  });

  it('refuses recipients that are not a String.Array', () => {
    expect(() => readNotification(envelope({ recipients: { Type: 'String', Value: 'a@example.com' } }))).toThrow(/not a String.Array/);
    expect(() => readNotification(envelope({ recipients: { Type: 'String.Array', Value: '[1]' } }))).toThrow(/not a String.Array/);
  });
});
