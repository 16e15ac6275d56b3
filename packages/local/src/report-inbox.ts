import { SubscribeCommand } from '@aws-sdk/client-sns';
import type { AwsClients } from '@stint/core';
import { REPORTS } from '@stint/core/resource-spec';
import { createQueue, queueArn } from './provision.ts';
import { SqsPoller } from './sqs-poller.ts';

/** A report as its recipients would read it. */
export interface InboxReport {
  subject: string;
  recipients: string[];
  body: string;
}

export interface ReportInboxOptions {
  topicArn: string;
  /** The inbox is `<queuePrefix>reports-inbox`, beside the stack's other queues. */
  queuePrefix: string;
  onReport: (report: InboxReport) => void;
  /** A failed receive, or a message that is no report (dropped: reading it again cannot help). */
  onError: (error: unknown) => void;
}

export interface ReportInbox {
  queueUrl: string;
  poller: SqsPoller;
}

/**
 * fauxqs delivers SNS only to SQS, never by email. So that `npm start` still shows the reports
 * a deployment would mail, the local stack subscribes an inbox queue to the report topic with
 * no filter policy (every report, whoever it is for) and prints what arrives. The queue and the
 * subscription are idempotent; start the poller to receive.
 */
export async function openReportInbox(clients: AwsClients, options: ReportInboxOptions): Promise<ReportInbox> {
  const queueUrl = await createQueue(clients.sqs, `${options.queuePrefix}${REPORTS.topicId}-inbox`, {});
  const arn = await queueArn(clients.sqs, queueUrl);
  // Not raw delivery: the SNS envelope is what carries the subject. fauxqs checks no queue
  // policy, so the subscription alone delivers.
  await clients.sns.send(new SubscribeCommand({ TopicArn: options.topicArn, Protocol: 'sqs', Endpoint: arn }));
  const poller = new SqsPoller({
    sqs: clients.sqs,
    queues: [{ url: queueUrl, arn }],
    concurrency: 1,
    onError: options.onError,
    handler: async (event) => {
      for (const record of event.Records) {
        try {
          options.onReport(readNotification(record.body));
        } catch (error) {
          options.onError(error);
        }
      }
    },
  });
  return { queueUrl, poller };
}

/** The report in an SNS notification envelope, as SNS delivers it to a queue. */
export function readNotification(body: string): InboxReport {
  const notification = parseJson(body);
  if (!isObject(notification) || notification.Type !== 'Notification' || typeof notification.Message !== 'string') {
    throw new Error(`reports inbox: not an SNS notification: ${body.slice(0, 200)}`);
  }
  const subject = typeof notification.Subject === 'string' ? notification.Subject : '(no subject)';
  const attributes = isObject(notification.MessageAttributes) ? notification.MessageAttributes : {};
  return { subject, recipients: readRecipients(attributes[REPORTS.recipientsAttribute], subject), body: notification.Message };
}

/** The envelope gives a String.Array attribute as `{ Type, Value }` with the array as JSON text. */
function readRecipients(attribute: unknown, subject: string): string[] {
  if (attribute === undefined) {
    throw new Error(`reports inbox: report "${subject}" has no "${REPORTS.recipientsAttribute}" attribute; in AWS no email subscription would match it`);
  }
  const text = isObject(attribute) && attribute.Type === 'String.Array' ? attribute.Value : undefined;
  const value = typeof text === 'string' ? parseJson(text) : undefined;
  if (!Array.isArray(value) || !value.every((r) => typeof r === 'string')) {
    throw new Error(
      `reports inbox: report "${subject}" has a "${REPORTS.recipientsAttribute}" attribute that is not a String.Array: ${JSON.stringify(attribute)}`,
    );
  }
  return value;
}

/** The report laid out like the email its recipients get. */
export function formatReport(report: InboxReport): string {
  const width = 72;
  const title = '── report, as emailed in AWS ';
  return [
    title.padEnd(width, '─'),
    `To:      ${report.recipients.length ? report.recipients.join(', ') : '(nobody)'}`,
    `Subject: ${report.subject}`,
    '',
    report.body,
    '─'.repeat(width),
  ].join('\n');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
