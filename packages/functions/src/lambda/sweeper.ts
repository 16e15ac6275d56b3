import { MetricUnit } from '@aws-lambda-powertools/metrics';
import stintApp from '../../../../stint.app.ts';
import { createRuntime } from '../runtime.ts';
import { createSweeperHandler } from '../sweeper-handler.ts';
import { createTelemetry } from '../telemetry.ts';

const telemetry = createTelemetry('stint-sweeper');
const runtime = createRuntime({ app: stintApp, onEvent: telemetry.onEvent });
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
