import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Engine } from '@stint/core';

export interface WorkerHandlerOptions {
  /** Extends a message's visibility; the handler knows the queue only by the record's ARN. */
  extendVisibility?: (eventSourceArn: string, receiptHandle: string) => Promise<void>;
}

/**
 * SQS batch → engine. Returns partial batch failures: one bad message is retried (and after
 * maxReceiveCount redriven to the DLQ) without failing its batch partners.
 */
export function createWorkerHandler(engine: Engine, options: WorkerHandlerOptions = {}) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const { failed } = await engine.processBatch(
      event.Records.map((record) => ({
        body: record.body,
        ...(options.extendVisibility ? { heartbeat: () => options.extendVisibility!(record.eventSourceARN, record.receiptHandle) } : {}),
      })),
    );
    return { batchItemFailures: failed.map((index) => ({ itemIdentifier: event.Records[index]!.messageId })) };
  };
}

/**
 * Extends a message's visibility on the queue it came from, by `seconds` from now. An event
 * names its queue by ARN and the worker knows its queues by URL (its configuration); both end
 * with the queue's name.
 */
export function extendVisibilityOn(sqs: SQSClient, queueUrls: readonly string[], seconds: number): NonNullable<WorkerHandlerOptions['extendVisibility']> {
  const urlByName = new Map(queueUrls.map((url) => [url.slice(url.lastIndexOf('/') + 1), url]));
  return async (eventSourceArn, receiptHandle) => {
    const queueUrl = urlByName.get(eventSourceArn.slice(eventSourceArn.lastIndexOf(':') + 1));
    if (queueUrl === undefined) throw new Error(`${eventSourceArn} is not a queue this worker consumes`);
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: Math.ceil(seconds) }));
  };
}
