import { PublishCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { ScheduleDefinition } from '@stint/sdk';
import type { Job } from '../job.ts';
import type { LogLine } from '../store/log-store.ts';
import { REPORTS } from '../resource-spec.ts';
import type { JobRunStatus } from './run-status.ts';

/** Error lines a report quotes, newest first; the run's logs hold the rest. */
export const REPORT_ERROR_LINES = 20;

export interface RunReport {
  /** ASCII, at most 100 characters, one line: what SNS accepts as an email subject. */
  subject: string;
  message: string;
  attributes: { schedule: string; tenant: string | null; status: JobRunStatus; jobId: string };
}

const STATUS_WORDS: Record<JobRunStatus, string> = {
  running: 'is running',
  success: 'succeeded',
  warnings: 'succeeded with warnings',
  failed: 'failed',
};

const stamp = (ms: number | null) =>
  ms === null
    ? '-'
    : new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, ' UTC');

function seconds(ms: number): string {
  const total = Math.round(ms / 1000);
  const parts = [
    [Math.floor(total / 3600), 'h'],
    [Math.floor((total % 3600) / 60), 'm'],
    [total % 60, 's'],
  ] as const;
  return parts
    .filter(([value], i) => value > 0 || i === 2)
    .map(([value, unit]) => `${value}${unit}`)
    .join(' ');
}

/** The summary a run's recipients receive. Pure. */
export function buildReport(
  definition: Pick<ScheduleDefinition, 'id' | 'description'>,
  tenant: string | null,
  job: Job,
  status: JobRunStatus,
  errorLines: readonly LogLine[],
  monitorUrl?: string,
): RunReport {
  const where = tenant === null ? 'installation' : `tenant ${tenant}`;
  const subject = `[Stint] ${definition.id} (${where}) ${STATUS_WORDS[status]}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
  const lines = [
    `Scheduled job ${definition.id} (${where}) ${STATUS_WORDS[status]}.`,
    definition.description,
    '',
    `Job:       ${job.label} (${job.id})`,
    `Status:    ${job.status}${job.hasErrors ? ', with errors' : ''}`,
    `Created:   ${stamp(job.createDate)}`,
    `Started:   ${stamp(job.startDate)}`,
    `Ended:     ${stamp(job.endDate)}`,
    `Duration:  ${seconds(job.duration)}`,
    ...(job.error ? ['', `Failure: ${job.error}`] : []),
    ...(errorLines.length
      ? ['', `Error lines (newest ${errorLines.length}):`, ...errorLines.map((line) => `  ${stamp(line.timestamp)}  ${line.message.split('\n')[0]}`)]
      : []),
    ...(monitorUrl ? ['', `Logs: ${monitorUrl.replace(/\/$/, '')}/jobs/${job.id}`] : []),
  ];
  return { subject, message: lines.join('\n'), attributes: { schedule: definition.id, tenant, status, jobId: job.id } };
}

/** The SNS publish request of a report. Pure. */
export function publishInput(topicArn: string, report: RunReport, recipients: readonly string[]) {
  const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
  return {
    TopicArn: topicArn,
    Subject: report.subject,
    Message: report.message,
    MessageAttributes: {
      [REPORTS.recipientsAttribute]: { DataType: 'String.Array', StringValue: JSON.stringify(recipients) },
      schedule: attribute(report.attributes.schedule),
      tenant: attribute(report.attributes.tenant ?? 'installation'),
      status: attribute(report.attributes.status),
      jobId: attribute(report.attributes.jobId),
    },
  };
}

/**
 * Subscribing an address: an email subscription whose filter policy matches messages that
 * list it among their recipients. SNS returns the existing subscription for the same
 * address and policy, so subscribing again is harmless. Pure.
 */
export function subscribeInput(topicArn: string, email: string) {
  return {
    TopicArn: topicArn,
    Protocol: 'email',
    Endpoint: email,
    Attributes: { FilterPolicy: JSON.stringify({ [REPORTS.recipientsAttribute]: [email] }) },
    ReturnSubscriptionArn: true,
  };
}

/** Publishes reports to the deployment's topic; without a topic it reports that it sends nothing. */
export class ReportPublisher {
  constructor(
    readonly sns: SNSClient,
    readonly topicArn: string | undefined,
  ) {}

  get enabled(): boolean {
    return this.topicArn !== undefined;
  }

  async publish(report: RunReport, recipients: readonly string[]): Promise<void> {
    if (!this.topicArn) throw new Error('reports are not configured (STINT_REPORT_TOPIC_ARN is not set)');
    await this.sns.send(new PublishCommand(publishInput(this.topicArn, report, recipients)));
  }

  async subscribe(emails: readonly string[]): Promise<void> {
    if (!this.topicArn) return;
    for (const email of emails) await this.sns.send(new SubscribeCommand(subscribeInput(this.topicArn, email)));
  }
}
