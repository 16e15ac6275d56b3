import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Engine } from '@stint/core';
import { backOff, type ChangeVisibility } from './message-retry.ts';

export interface WorkerHandlerOptions {
  changeVisibility?: ChangeVisibility;
  /** How far a heartbeat pushes a running slice's message out of sight. */
  heartbeatSeconds?: number;
  /** For tests: the jitter of a failed message's backoff. */
  random?: () => number;
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
    if (changeVisibility) await backOff(records, changeVisibility, engine, options.random);
    return { batchItemFailures: records.map((record) => ({ itemIdentifier: record.messageId })) };
  };
}
