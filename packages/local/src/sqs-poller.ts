import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export interface PolledQueue {
  url: string;
  /** An ARN-shaped name for the records' eventSourceARN. */
  arn: string;
}

export interface PollerOptions {
  sqs: SQSClient;
  /** Polled in order: a later queue is read only when the earlier ones returned nothing (the low lane). */
  queues: PolledQueue[];
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | void>;
  batchSize?: number;
  /** Concurrent batches, like the event source mapping's maximum concurrency. */
  concurrency?: number;
  waitTimeSeconds?: number;
  region?: string;
  onError?: (error: unknown) => void;
}

/**
 * What the Lambda event source mapping does for SQS, in-process: long-poll, hand the
 * function a real SQSEvent, delete what succeeded, and leave reported failures to become
 * visible again (SQS counts the receives and redrives to the DLQ after maxReceiveCount).
 */
export class SqsPoller {
  #running = false;
  readonly #loops: Array<Promise<void>> = [];
  #abort = new AbortController();

  constructor(readonly options: PollerOptions) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    // A poller stopped and started again waits between empty polls as before.
    this.#abort = new AbortController();
    for (let i = 0; i < (this.options.concurrency ?? 2); i++) this.#loops.push(this.#loop());
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#abort.abort();
    await Promise.allSettled(this.#loops);
    this.#loops.length = 0;
  }

  /** One pass over the queues; true if it handled a batch. Exposed for deterministic tests. */
  async pollOnce(waitTimeSeconds = 0): Promise<boolean> {
    for (const queue of this.options.queues) {
      const out = await this.options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: this.options.batchSize ?? 10,
          WaitTimeSeconds: waitTimeSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) continue;
      await this.#deliver(queue, messages);
      return true;
    }
    return false;
  }

  async #loop(): Promise<void> {
    while (this.#running) {
      try {
        const busy = await this.pollOnce(0);
        if (!busy) await sleep(100, this.#abort.signal);
      } catch (error) {
        if (!this.#running) return;
        this.options.onError?.(error);
        await sleep(500, this.#abort.signal);
      }
    }
  }

  async #deliver(queue: PolledQueue, messages: Message[]): Promise<void> {
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, queue, this.options.region ?? 'us-east-1')) };
    let failedIds: Set<string>;
    try {
      const response = await this.options.handler(event);
      failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      // A thrown handler fails the whole batch, exactly as with Lambda.
      this.options.onError?.(error);
      return;
    }
    const done = messages.filter((m) => !failedIds.has(m.MessageId!));
    if (done.length === 0) return;
    await this.options.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}

function toRecord(message: Message, queue: PolledQueue, region: string): SQSRecord {
  const a = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(a.MessageGroupId ? { MessageGroupId: a.MessageGroupId } : {}),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: region,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
