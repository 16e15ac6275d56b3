/**
 * Alarms and dashboard of the SST deployment, as `aws.cloudwatch.MetricAlarm` args and a
 * dashboard body. Same metrics, thresholds and periods as infra/cdk/alarms.ts, from the spec.
 */
import { pascal } from './naming.ts';
import {
  AGE_ALARMED_QUEUES,
  ALARMS,
  EXPIRY_FAILURES_DESCRIPTION,
  EXPIRY_LAG_DESCRIPTION,
  FUNCTIONS,
  METRICS,
  QUEUES,
  serviceName,
  throttledRequestsExpression,
  type FunctionId,
  type QueueId,
} from './spec.ts';

export interface AlarmTargets<T> {
  tableName: T;
  workerFunctionName: T;
  queueNames: Record<QueueId, T>;
  dlqNames: Record<QueueId, T>;
  expiryFunctionName: T;
  /** The queue the expiry function's stream mapping sends the batches it gave up on to. */
  streamFailuresName: T;
}

/** One alarm: on one metric (namespace, metricName, dimensions, statistic, period), or on metric math (`metricQueries`). */
export interface MetricAlarmArgs<T> {
  alarmDescription: string;
  namespace?: string;
  metricName?: string;
  dimensions?: Record<string, T | string>;
  statistic?: string;
  extendedStatistic?: string;
  period?: number;
  metricQueries?: MetricQuery<T>[];
  evaluationPeriods: number;
  threshold: number;
  comparisonOperator: 'GreaterThanThreshold';
  treatMissingData: 'notBreaching';
  alarmActions: T[];
  okActions: T[];
}

/** `aws.cloudwatch.MetricAlarm`'s metric query: an expression, or one metric it reads. */
export interface MetricQuery<T> {
  id: string;
  expression?: string;
  label?: string;
  returnData?: boolean;
  metric?: { namespace: string; metricName: string; dimensions: Record<string, T | string>; stat: string; period: number };
}

export function alarmArgs<T>(targets: AlarmTargets<T>, waitingTimeThresholdMs: number, topicArn?: T): Record<string, MetricAlarmArgs<T>> {
  const actions = topicArn === undefined ? [] : [topicArn];
  const common = {
    comparisonOperator: 'GreaterThanThreshold' as const,
    // No data means no traffic, which is not a failure.
    treatMissingData: 'notBreaching' as const,
    alarmActions: actions,
    okActions: actions,
  };
  const waiting = ALARMS.waitingTimeP90;
  const alarms: Record<string, MetricAlarmArgs<T>> = {
    WaitingTimeAlarm: {
      ...common,
      alarmDescription: `p90 job waiting time above ${waitingTimeThresholdMs} ms for ${waiting.evaluationPeriods} periods`,
      namespace: METRICS.namespace,
      metricName: METRICS.names.waitingTime,
      dimensions: { service: serviceName(waiting.service) },
      extendedStatistic: waiting.statistic,
      period: waiting.periodSeconds,
      evaluationPeriods: waiting.evaluationPeriods,
      threshold: waitingTimeThresholdMs,
    },
  };
  for (const { id } of QUEUES) {
    alarms[`${pascal(id)}DlqAlarm`] = {
      ...common,
      alarmDescription: `Messages in the ${id} dead-letter queue`,
      namespace: 'AWS/SQS',
      metricName: ALARMS.dlqDepth.metric,
      dimensions: { QueueName: targets.dlqNames[id] },
      statistic: 'Maximum',
      period: ALARMS.dlqDepth.periodSeconds,
      evaluationPeriods: ALARMS.dlqDepth.evaluationPeriods,
      threshold: ALARMS.dlqDepth.threshold,
    };
  }
  alarms.ExpiryFailuresAlarm = {
    ...common,
    alarmDescription: EXPIRY_FAILURES_DESCRIPTION,
    namespace: 'AWS/SQS',
    metricName: ALARMS.dlqDepth.metric,
    dimensions: { QueueName: targets.streamFailuresName },
    statistic: 'Maximum',
    period: ALARMS.dlqDepth.periodSeconds,
    evaluationPeriods: ALARMS.dlqDepth.evaluationPeriods,
    threshold: ALARMS.dlqDepth.threshold,
  };
  const age = ALARMS.oldestMessageAge;
  for (const id of AGE_ALARMED_QUEUES) {
    alarms[`${pascal(id)}QueueAgeAlarm`] = {
      ...common,
      alarmDescription: `Oldest message in the ${id} queue older than ${age.thresholdSeconds[id]} s`,
      namespace: 'AWS/SQS',
      metricName: age.metric,
      dimensions: { QueueName: targets.queueNames[id] },
      statistic: 'Maximum',
      period: age.periodSeconds,
      evaluationPeriods: age.evaluationPeriods,
      threshold: age.thresholdSeconds[id],
    };
  }
  alarms.WorkerErrorsAlarm = {
    ...common,
    alarmDescription: 'Worker invocations crashed or timed out',
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName: targets.workerFunctionName },
    statistic: 'Sum',
    period: ALARMS.workerErrors.periodSeconds,
    evaluationPeriods: ALARMS.workerErrors.evaluationPeriods,
    threshold: ALARMS.workerErrors.threshold,
  };
  const lag = ALARMS.expiryLag;
  alarms.ExpiryLagAlarm = {
    ...common,
    alarmDescription: EXPIRY_LAG_DESCRIPTION,
    namespace: 'AWS/Lambda',
    metricName: lag.metric,
    dimensions: { FunctionName: targets.expiryFunctionName },
    statistic: lag.statistic,
    period: lag.periodSeconds,
    evaluationPeriods: lag.evaluationPeriods,
    threshold: lag.thresholdMs,
  };
  const scheduled = ALARMS.scheduledRunsFailed;
  alarms.ScheduledRunsFailedAlarm = {
    ...common,
    alarmDescription: `Due scheduled runs the sweeper could not start, in each of ${scheduled.evaluationPeriods} consecutive ${scheduled.periodSeconds} s periods`,
    namespace: METRICS.namespace,
    metricName: scheduled.metric,
    dimensions: { service: serviceName(scheduled.service) },
    statistic: scheduled.statistic,
    period: scheduled.periodSeconds,
    evaluationPeriods: scheduled.evaluationPeriods,
    threshold: scheduled.threshold,
  };
  const throttled = ALARMS.tableThrottled;
  const { expression, ids } = throttledRequestsExpression();
  alarms.TableThrottledAlarm = {
    ...common,
    alarmDescription: `DynamoDB throttled requests to the table in each of ${throttled.evaluationPeriods} consecutive ${throttled.periodSeconds} s periods`,
    metricQueries: [
      { id: 'e1', expression, label: 'Throttled requests', returnData: true },
      ...Object.entries(ids).map(([id, operation]) => ({
        id,
        returnData: false,
        metric: {
          namespace: throttled.namespace,
          metricName: throttled.metric,
          dimensions: { TableName: targets.tableName, Operation: operation },
          stat: throttled.statistic,
          period: throttled.periodSeconds,
        },
      })),
    ],
    evaluationPeriods: throttled.evaluationPeriods,
    threshold: throttled.threshold,
  };
  return alarms;
}

/** The dashboard's lines for the table's throttled requests: the sum shown, each operation's series hidden. */
function throttledRequestsGraph(tableName: string): unknown[] {
  const throttled = ALARMS.tableThrottled;
  const { expression, ids } = throttledRequestsExpression();
  return [
    [{ expression, label: 'Throttled requests', id: 'e1' }],
    ...Object.entries(ids).map(([id, operation]) => [
      throttled.namespace,
      throttled.metric,
      'TableName',
      tableName,
      'Operation',
      operation,
      { id, stat: throttled.statistic, visible: false },
    ]),
  ];
}

/** Dashboard body with the graphs of infra/cdk/dashboard.ts; called once the names are resolved. */
export function dashboardBody(
  region: string,
  targets: AlarmTargets<string> & { functionNames: Record<FunctionId, string> },
  waitingTimeThresholdMs: number,
): string {
  const names = METRICS.names;
  const ns = METRICS.namespace;
  const stint = (fn: FunctionId, name: string, stat: string, label = stat) => [ns, name, 'service', serviceName(fn), { stat, label }];
  const total = (name: string) => [{ expression: `SUM(SEARCH('{${ns},service} MetricName="${name}"', 'Sum', 60))`, label: name }];
  const sqs = (metric: string, queue: string, label: string) => ['AWS/SQS', metric, 'QueueName', queue, { stat: 'Maximum', label }];
  const lambda = (metric: string, fn: string, stat: string, label: string) => ['AWS/Lambda', metric, 'FunctionName', fn, { stat, label }];
  const graph = (title: string, metrics: unknown[], extra: object = {}) => ({
    type: 'metric',
    width: 8,
    height: 6,
    properties: { title, metrics, region, period: 60, view: 'timeSeries', ...extra },
  });
  const widgets = [
    graph('Jobs per minute', [names.jobsCreated, names.jobsFinished, names.jobsFailed].map(total)),
    graph('Scheduled runs per minute', [
      stint('sweeper', names.scheduledRunsStarted, 'Sum', 'started'),
      stint('sweeper', names.scheduledRunsFailed, 'Sum', 'failed'),
    ]),
    graph(
      'Waiting time (ms)',
      ['p50', 'p90', 'p99'].map((s) => stint(ALARMS.waitingTimeP90.service, names.waitingTime, s)),
      {
        annotations: { horizontal: [{ value: waitingTimeThresholdMs, label: 'alarm threshold' }] },
      },
    ),
    graph('Waiting time p90 by job type (ms)', [[{ expression: `SEARCH('{${ns},service,jobType} MetricName="${names.waitingTime}"', 'p90', 60)`, label: '' }]]),
    graph(
      'Slice duration (ms)',
      ['p50', 'p90', 'Maximum'].map((s) => stint('worker', names.sliceDuration, s)),
    ),
    graph(
      'Messages visible',
      QUEUES.map((q) => sqs('ApproximateNumberOfMessagesVisible', targets.queueNames[q.id], q.id)),
    ),
    graph(
      'Oldest message age (s)',
      AGE_ALARMED_QUEUES.map((id) => sqs('ApproximateAgeOfOldestMessage', targets.queueNames[id], id)),
    ),
    graph('Dead-letter queues', [
      ...QUEUES.map((q) => sqs('ApproximateNumberOfMessagesVisible', targets.dlqNames[q.id], `${q.id} DLQ`)),
      sqs('ApproximateNumberOfMessagesVisible', targets.streamFailuresName, 'expiry failures'),
    ]),
    graph(
      'Worker',
      ['Errors', 'Throttles', 'Invocations'].map((m) => lambda(m, targets.workerFunctionName, 'Sum', m.toLowerCase())),
    ),
    graph(
      'Function duration p90 (ms)',
      FUNCTIONS.map((f) => lambda('Duration', targets.functionNames[f.id], 'p90', f.id)),
    ),
    graph('Intake rejected', [stint('intake', names.intakeRejected, 'Sum', 'rejected')]),
    graph('Table: throttled requests', throttledRequestsGraph(targets.tableName)),
    graph('Expiry: stream record age (ms)', [lambda(ALARMS.expiryLag.metric, targets.expiryFunctionName, ALARMS.expiryLag.statistic, 'iterator age')], {
      annotations: { horizontal: [{ value: ALARMS.expiryLag.thresholdMs, label: 'alarm threshold' }] },
    }),
  ];
  // Three graphs a row, as in the CDK dashboard.
  return JSON.stringify({ widgets: widgets.map((w, i) => ({ ...w, x: (i % 3) * 8, y: Math.floor(i / 3) * 6 })) });
}
