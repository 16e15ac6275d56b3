import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import stintApp from '../../../../stint.app.ts';
import { createExpiryHandler } from '../expiry-handler.ts';
import { createRuntime } from '../runtime.ts';
import { createTelemetry } from '../telemetry.ts';

const telemetry = createTelemetry('stint-expiry');
const runtime = createRuntime({ app: stintApp, onEvent: telemetry.onEvent });
const expire = createExpiryHandler(runtime.engine, (report) => {
  telemetry.metrics.addMetric('ExpiredJobsCleaned', MetricUnit.Count, report.cleaned);
  if (report.failed) telemetry.logger.error('an expired job could not be cleaned; its batch is retried from it', { error: report.failed.error });
});

export const handler = async (event: DynamoDBStreamEvent) => {
  try {
    return await expire(event);
  } finally {
    telemetry.flush();
  }
};
