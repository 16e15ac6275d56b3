import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { createRuntime } from '../runtime.ts';
import { createSweeperHandler } from '../sweeper.ts';
import { createTelemetry } from '../telemetry.ts';

const telemetry = createTelemetry('stint-sweeper');
const runtime = createRuntime({ onEvent: telemetry.onEvent });
const sweep = createSweeperHandler(runtime.engine, (report) => {
  telemetry.logger.info('sweep', { ...report });
  telemetry.metrics.addMetric('ScheduledRunsStarted', MetricUnit.Count, report.schedulesStarted);
  telemetry.metrics.addMetric('ScheduledRunsFailed', MetricUnit.Count, report.schedulesFailed);
});

export const handler = async () => {
  try {
    return await sweep();
  } finally {
    telemetry.flush();
  }
};
