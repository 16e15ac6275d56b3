import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSEvent } from 'aws-lambda';
import { ENV } from '@stint/core/resource-spec';
import { createIntakeHandler } from '../intake.ts';
import { createRuntime } from '../runtime.ts';
import { createTelemetry } from '../telemetry.ts';

const telemetry = createTelemetry('stint-intake');
const runtime = createRuntime({ onEvent: telemetry.onEvent });
const intake = createIntakeHandler(runtime.engine, {
  defaultTenant: process.env[ENV.defaultTenant] ?? 'default',
  onRejected: (rejection) => {
    telemetry.metrics.addMetric('IntakeRejected', MetricUnit.Count, 1);
    telemetry.logger.error('intake message rejected; it will go to the DLQ', rejection);
  },
});

export const handler = async (event: SQSEvent) => {
  try {
    return await intake(event);
  } finally {
    telemetry.flush();
  }
};
