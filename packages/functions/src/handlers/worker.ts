import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { createRuntime } from '../runtime.ts';
import { createTelemetry } from '../telemetry.ts';
import { createWorkerHandler } from '../worker.ts';
import { queueUrlFromArn } from '../queue-url.ts';

const telemetry = createTelemetry('stint-worker');
const runtime = createRuntime({ onEvent: telemetry.onEvent });
const work = createWorkerHandler(runtime.engine, {
  extendVisibility: async (arn, receiptHandle) => {
    await runtime.clients.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrlFromArn(arn),
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.ceil((runtime.config.leaseMs * 2) / 1000),
      }),
    );
  },
});

export const handler = async (event: SQSEvent) => {
  try {
    return await work(event);
  } finally {
    telemetry.flush();
  }
};
