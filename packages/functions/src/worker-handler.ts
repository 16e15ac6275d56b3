import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Engine } from '@stint/core';

/** Sets a message's visibility, `seconds` from now; the handler knows the queue only by the record's ARN. */
export type ChangeVisibility = (eventSourceArn: string, receiptHandle: string, seconds: number) => Promise<void>;

export interface WorkerHandlerOptions {
  changeVisibility?: ChangeVisibility;
  /** How far a heartbeat pushes a running slice's message out of sight. */
  heartbeatSeconds?: number;
  /** For tests: the jitter of a failed message's backoff. */
  random?: () => number;
}

/** A failed message's first retry comes after this long, doubling per receive: its 5 receives span 2 to 3 minutes before the DLQ. */
const RETRY_BASE_SECONDS = 10;
const RETRY_MAX_SECONDS = 300;

/**
 * When a failed message is shown again: 10 s after its first receive, doubling to 5 minutes,
 * each drawn between half and all of that ("equal jitter"), so messages that failed together
 * (a throttled key) do not all come back in the same second. Without it a failed message waits
 * out the queue's visibility timeout, which is sized for the longest slice (12 minutes).
 */
export function retryDelaySeconds(receiveCount: number, random: () => number = Math.random): number {
  const retries = Number.isFinite(receiveCount) ? Math.max(0, receiveCount - 1) : 0;
  const ceiling = Math.min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** retries);
  return Math.ceil(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * SQS batch → engine. Returns partial batch failures: one bad message is retried (and after
 * maxReceiveCount redriven to the DLQ) without failing its batch partners, after a backoff
 * (`retryDelaySeconds`) rather than the queue's visibility timeout.
 */
export function createWorkerHandler(engine: Engine, options: WorkerHandlerOptions = {}) {
  const { changeVisibility, heartbeatSeconds } = options;
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const { failed } = await engine.processBatch(
      event.Records.map((record) => ({
        body: record.body,
        ...(changeVisibility && heartbeatSeconds ? { heartbeat: () => changeVisibility(record.eventSourceARN, record.receiptHandle, heartbeatSeconds) } : {}),
      })),
    );
    const records = failed.map((index) => event.Records[index]!);
    if (changeVisibility) {
      await Promise.all(
        records.map((record) =>
          changeVisibility(
            record.eventSourceARN,
            record.receiptHandle,
            retryDelaySeconds(Number(record.attributes.ApproximateReceiveCount), options.random),
          ).catch((error: unknown) => engine.warn('a failed message waits out the visibility timeout: its backoff could not be set', { error })),
        ),
      );
    }
    return { batchItemFailures: records.map((record) => ({ itemIdentifier: record.messageId })) };
  };
}

/**
 * Changes a message's visibility on the queue it came from. An event names its queue by ARN
 * and the worker knows its queues by URL (its configuration); both end with the queue's name.
 */
export function changeVisibilityOn(sqs: SQSClient, queueUrls: readonly string[]): ChangeVisibility {
  const urlByName = new Map(queueUrls.map((url) => [url.slice(url.lastIndexOf('/') + 1), url]));
  return async (eventSourceArn, receiptHandle, seconds) => {
    const queueUrl = urlByName.get(eventSourceArn.slice(eventSourceArn.lastIndexOf(':') + 1));
    if (queueUrl === undefined) throw new Error(`${eventSourceArn} is not a queue this worker consumes`);
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: Math.ceil(seconds) }));
  };
}
