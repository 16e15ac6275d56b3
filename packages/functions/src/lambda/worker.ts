import type { SQSEvent } from 'aws-lambda';
import stintApp from '../../../../stint.app.ts';
import { createRuntime } from '../runtime.ts';
import { createTelemetry } from '../telemetry.ts';
import { changeVisibilityOn } from '../message-retry.ts';
import { createWorkerHandler } from '../worker-handler.ts';

const telemetry = createTelemetry('stint-worker');
const runtime = createRuntime({ app: stintApp, onEvent: telemetry.onEvent });
const { config } = runtime;
const work = createWorkerHandler(runtime.engine, {
  changeVisibility: changeVisibilityOn(runtime.clients.sqs, [config.workQueueUrl, config.lowQueueUrl]),
  // Two leases ahead: a heartbeat comes every third of a lease, so one late beat is harmless.
  heartbeatSeconds: (config.leaseMs * 2) / 1000,
});

export const handler = async (event: SQSEvent) => {
  try {
    return await work(event);
  } finally {
    telemetry.flush();
  }
};
