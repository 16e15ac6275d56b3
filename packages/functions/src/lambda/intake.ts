import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSEvent } from 'aws-lambda';
import { DEFAULT_TENANT } from '@stint/core/auth';
import { ENV } from '@stint/core/resource-spec';
import { defaultIntakeBinding, parseIntakeBinding } from '../intake-binding.ts';
import { createIntakeHandler } from '../intake-handler.ts';
import { changeVisibilityByArn } from '../message-retry.ts';
import stintApp from '../../../../stint.app.ts';
import { createRuntime } from '../runtime.ts';
import { createTelemetry } from '../telemetry.ts';

const telemetry = createTelemetry('stint-intake');
const runtime = createRuntime({ app: stintApp, onEvent: telemetry.onEvent });
const defaultTenant = process.env[ENV.defaultTenant] || DEFAULT_TENANT;
const bindingText = process.env[ENV.intakeTenants];
const intake = createIntakeHandler(runtime.engine, {
  defaultTenant,
  // A malformed binding fails the function's start, so every message ends in the DLQ (which
  // alarms): it never opens intake up.
  binding: bindingText ? parseIntakeBinding(bindingText, ENV.intakeTenants) : defaultIntakeBinding(defaultTenant),
  changeVisibility: changeVisibilityByArn(runtime.clients.sqs),
  onRejected: (rejection) => {
    // Messages refused, not receives: the same message is refused again until it reaches the DLQ.
    if (rejection.firstReceive) telemetry.metrics.addMetric('IntakeRejected', MetricUnit.Count, 1);
    telemetry.logger.error('intake message rejected; it will go to the DLQ', { ...rejection });
  },
});

export const handler = async (event: SQSEvent) => {
  try {
    return await intake(event);
  } finally {
    telemetry.flush();
  }
};
