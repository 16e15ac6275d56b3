import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { AGE_ALARMED_QUEUES, ALARMS, FUNCTIONS, METRICS, QUEUES } from '../spec.ts';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { expiryIteratorAge, stintMetric, streamFailuresDepth, throttledRequests } from './alarms.ts';
import type { StintFunctions } from './functions.ts';
import type { StintQueues } from './queues.ts';

export interface DashboardOptions {
  dashboardName: string;
  functions: StintFunctions;
  queues: StintQueues;
  streamFailures: sqs.IQueue;
  table: dynamodb.ITable;
  waitingTimeThresholdMs: number;
}

const WIDTH = 8;
const HEIGHT = 6;
const minute = Duration.minutes(1);

/** A Stint metric summed over every service that emits it. SEARCH keeps the list of emitters out of the infra. */
function totalOf(metricName: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SUM(SEARCH('{${METRICS.namespace},service} MetricName="${metricName}"', 'Sum', 60))`,
    usingMetrics: {},
    label: metricName,
    period: minute,
  });
}

/** One screen with the graphs behind every alarm, plus throughput and latency. */
export function createDashboard(scope: Construct, options: DashboardOptions): cloudwatch.Dashboard {
  const { functions, queues } = options;
  const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
    new cloudwatch.GraphWidget({ title, left, width: WIDTH, height: HEIGHT, ...extra });
  const names = METRICS.names;
  const waitingService = ALARMS.waitingTimeP90.service;

  const jobs = graph('Jobs per minute', [names.jobsCreated, names.jobsFinished, names.jobsFailed].map(totalOf));
  const scheduledRuns = graph('Scheduled runs per minute', [
    stintMetric('sweeper', names.scheduledRunsStarted, 'Sum').with({ label: 'started' }),
    stintMetric('sweeper', names.scheduledRunsFailed, 'Sum').with({ label: 'failed' }),
  ]);
  const waiting = graph(
    'Waiting time (ms)',
    ['p50', 'p90', 'p99'].map((s) => stintMetric(waitingService, names.waitingTime, s).with({ label: s })),
    { leftAnnotations: [{ value: options.waitingTimeThresholdMs, label: 'alarm threshold' }] },
  );
  const waitingByType = graph('Waiting time p90 by job type (ms)', [
    new cloudwatch.MathExpression({
      expression: `SEARCH('{${METRICS.namespace},service,jobType} MetricName="${names.waitingTime}"', 'p90', 60)`,
      usingMetrics: {},
      label: '',
      period: minute,
    }),
  ]);
  const slices = graph(
    'Slice duration (ms)',
    ['p50', 'p90', 'Maximum'].map((s) => stintMetric('worker', names.sliceDuration, s).with({ label: s })),
  );
  const depth = graph(
    'Messages visible',
    QUEUES.map((q) => queues[q.id].queue.metricApproximateNumberOfMessagesVisible({ period: minute, label: q.id })),
  );
  const age = graph(
    'Oldest message age (s)',
    AGE_ALARMED_QUEUES.map((id) => queues[id].queue.metricApproximateAgeOfOldestMessage({ period: minute, label: id })),
  );
  const dlqs = graph('Dead-letter queues', [
    ...QUEUES.map((q) => queues[q.id].dlq.metricApproximateNumberOfMessagesVisible({ period: minute, label: `${q.id} DLQ` })),
    streamFailuresDepth(options.streamFailures, minute).with({ label: 'expiry failures' }),
  ]);
  const workerHealth = graph('Worker', [
    functions.worker.metricErrors({ period: minute, label: 'errors' }),
    functions.worker.metricThrottles({ period: minute, label: 'throttles' }),
    functions.worker.metricInvocations({ period: minute, label: 'invocations' }),
  ]);
  const durations = graph(
    'Function duration p90 (ms)',
    FUNCTIONS.map((f) => functions[f.id].metricDuration({ period: minute, statistic: 'p90', label: f.id })),
  );
  const intake = graph('Intake rejected', [stintMetric('intake', names.intakeRejected, 'Sum').with({ label: 'rejected' })]);
  const tableThrottled = graph('Table: throttled requests', [throttledRequests(options.table)]);
  const expiryAge = graph('Expiry: stream record age (ms)', [expiryIteratorAge(functions, minute).with({ label: 'iterator age' })], {
    leftAnnotations: [{ value: ALARMS.expiryLag.thresholdMs, label: 'alarm threshold' }],
  });

  return new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: options.dashboardName,
    // Three graphs a row, in the order of infra/sst-alarm-args.ts's dashboardBody.
    widgets: [[jobs, scheduledRuns, waiting], [waitingByType, slices, depth], [age, dlqs, workerHealth], [durations, intake, tableThrottled], [expiryAge]],
  });
}
