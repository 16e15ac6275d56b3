import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Lane } from './job.ts';
import { BadRequestError } from './errors.ts';

/** A work message asks a worker to run the job's next slice. It carries no state: the job item does. */
export interface WorkMessage {
  v: 1;
  jobId: string;
  rootId: string;
  tenant: string;
}

export function encodeWorkMessage(message: Omit<WorkMessage, 'v'>): string {
  return JSON.stringify({ v: 1, ...message });
}

export function decodeWorkMessage(body: string): WorkMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadRequestError('work message is not JSON', 'body');
  }
  const m = parsed as Partial<WorkMessage>;
  if (m?.v !== 1 || typeof m.jobId !== 'string' || typeof m.rootId !== 'string' || typeof m.tenant !== 'string') {
    throw new BadRequestError('work message lacks v=1, jobId, rootId or tenant', 'body');
  }
  return { v: 1, jobId: m.jobId, rootId: m.rootId, tenant: m.tenant };
}

/** Builds the SendMessage input. The root id is the MessageGroupId: on SQS fair queues it is the tenant key. */
export function buildWorkSend(queueUrl: string, message: Omit<WorkMessage, 'v'>, delaySeconds = 0) {
  return {
    QueueUrl: queueUrl,
    MessageBody: encodeWorkMessage(message),
    MessageGroupId: message.rootId,
    ...(delaySeconds > 0 ? { DelaySeconds: Math.min(900, Math.ceil(delaySeconds)) } : {}),
  };
}

export class WorkQueue {
  constructor(
    readonly sqs: SQSClient,
    readonly urls: Record<Lane, string>,
  ) {}

  async send(lane: Lane, message: Omit<WorkMessage, 'v'>, delaySeconds = 0): Promise<void> {
    await this.sqs.send(new SendMessageCommand(buildWorkSend(this.urls[lane], message, delaySeconds)));
  }

  /** Sends up to 10 messages per request (the SQS batch limit); returns the ids it could not send. */
  async sendMany(lane: Lane, messages: Array<Omit<WorkMessage, 'v'>>): Promise<string[]> {
    const failed: string[] = [];
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      const out = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.urls[lane],
          Entries: chunk.map((m, n) => {
            const { QueueUrl: _url, ...entry } = buildWorkSend(this.urls[lane], m);
            return { Id: String(n), ...entry };
          }),
        }),
      );
      for (const f of out.Failed ?? []) failed.push(chunk[Number(f.Id)]!.jobId);
    }
    return failed;
  }

  async extendVisibility(lane: Lane, receiptHandle: string, seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.urls[lane],
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.min(43_200, Math.ceil(seconds)),
      }),
    );
  }
}
