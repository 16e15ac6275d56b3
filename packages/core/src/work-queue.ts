import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
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
}
