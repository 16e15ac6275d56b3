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
        ...(options.extendVisibility
          ? { heartbeat: () => options.extendVisibility!(record.eventSourceARN, record.receiptHandle) }
          : {}),
      })),
    );
    return { batchItemFailures: failed.map((index) => ({ itemIdentifier: event.Records[index]!.messageId })) };
  };
}
