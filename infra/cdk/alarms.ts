import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { pascal } from '../naming.ts';
import {
  AGE_ALARMED_QUEUES,
  ALARMS,
  EXPIRY_FAILURES_DESCRIPTION,
  EXPIRY_LAG_DESCRIPTION,
  METRICS,
  QUEUES,
  serviceName,
  throttledRequestsExpression,
  type FunctionId,
} from '../spec.ts';
import type { StintFunctions } from './functions.ts';
import type { StintQueues } from './queues.ts';

export interface AlarmOptions {
  functions: StintFunctions;
  queues: StintQueues;
  streamFailures: sqs.IQueue;
  table: dynamodb.ITable;
  waitingTimeThresholdMs: number;
  topic?: sns.ITopic;
}

/** A Stint metric of one function's service, on the service-only dimension set. */
export function stintMetric(service: FunctionId, metricName: string, statistic: string, period = Duration.minutes(1)): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS.namespace,
    metricName,
    dimensionsMap: { service: serviceName(service) },
    statistic,
    period,
  });
}

/** The table's throttled requests, every operation Stint sends added up (the alarm's and the dashboard's metric). */
export function throttledRequests(table: dynamodb.ITable): cloudwatch.MathExpression {
  const throttled = ALARMS.tableThrottled;
  const { expression, ids } = throttledRequestsExpression();
  const period = Duration.seconds(throttled.periodSeconds);
  const usingMetrics = Object.fromEntries(
    Object.entries(ids).map(([id, operation]) => [
      id,
      new cloudwatch.Metric({
        namespace: throttled.namespace,
        metricName: throttled.metric,
        dimensionsMap: { TableName: table.tableName, Operation: operation },
        statistic: throttled.statistic,
        period,
      }),
    ]),
  );
  return new cloudwatch.MathExpression({ expression, usingMetrics, period, label: 'Throttled requests' });
}

/** Stream batches the expiry function gave up on (the alarm's and the dashboard's metric). */
export function streamFailuresDepth(queue: sqs.IQueue, period = Duration.seconds(ALARMS.dlqDepth.periodSeconds)): cloudwatch.Metric {
  return queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period });
}

/** How old the stream records the expiry function is given are (the alarm's and the dashboard's metric). */
export function expiryIteratorAge(functions: StintFunctions, period = Duration.seconds(ALARMS.expiryLag.periodSeconds)): cloudwatch.Metric {
  return functions.expiry.metric(ALARMS.expiryLag.metric, { statistic: ALARMS.expiryLag.statistic, period });
}

export function createAlarms(scope: Construct, options: AlarmOptions): cloudwatch.Alarm[] {
  const { queues } = options;
  const alarm = (id: string, metric: cloudwatch.IMetric, props: { threshold: number; evaluationPeriods: number; description: string }) =>
    new cloudwatch.Alarm(scope, id, {
      metric,
      threshold: props.threshold,
      evaluationPeriods: props.evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // No data means no traffic, which is not a failure.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: props.description,
    });

  const waiting = ALARMS.waitingTimeP90;
  const alarms = [
    alarm('WaitingTimeAlarm', stintMetric(waiting.service, METRICS.names.waitingTime, waiting.statistic, Duration.seconds(waiting.periodSeconds)), {
      threshold: options.waitingTimeThresholdMs,
      evaluationPeriods: waiting.evaluationPeriods,
      description: `p90 job waiting time above ${options.waitingTimeThresholdMs} ms for ${waiting.evaluationPeriods} periods`,
    }),
  ];
  for (const spec of QUEUES) {
    const metric = queues[spec.id].dlq.metricApproximateNumberOfMessagesVisible({
      statistic: 'Maximum',
      period: Duration.seconds(ALARMS.dlqDepth.periodSeconds),
    });
    alarms.push(
      alarm(`${pascal(spec.id)}DlqAlarm`, metric, {
        threshold: ALARMS.dlqDepth.threshold,
        evaluationPeriods: ALARMS.dlqDepth.evaluationPeriods,
        description: `Messages in the ${spec.id} dead-letter queue`,
      }),
    );
  }
  alarms.push(
    alarm('ExpiryFailuresAlarm', streamFailuresDepth(options.streamFailures), {
      threshold: ALARMS.dlqDepth.threshold,
      evaluationPeriods: ALARMS.dlqDepth.evaluationPeriods,
      description: EXPIRY_FAILURES_DESCRIPTION,
    }),
  );
  const age = ALARMS.oldestMessageAge;
  for (const id of AGE_ALARMED_QUEUES) {
    const metric = queues[id].queue.metricApproximateAgeOfOldestMessage({
      statistic: 'Maximum',
      period: Duration.seconds(age.periodSeconds),
    });
    alarms.push(
      alarm(`${pascal(id)}QueueAgeAlarm`, metric, {
        threshold: age.thresholdSeconds[id],
        evaluationPeriods: age.evaluationPeriods,
        description: `Oldest message in the ${id} queue older than ${age.thresholdSeconds[id]} s`,
      }),
    );
  }
  const errors = ALARMS.workerErrors;
  alarms.push(
    alarm('WorkerErrorsAlarm', options.functions.worker.metricErrors({ statistic: 'Sum', period: Duration.seconds(errors.periodSeconds) }), {
      threshold: errors.threshold,
      evaluationPeriods: errors.evaluationPeriods,
      description: 'Worker invocations crashed or timed out',
    }),
  );
  const lag = ALARMS.expiryLag;
  alarms.push(
    alarm('ExpiryLagAlarm', expiryIteratorAge(options.functions), {
      threshold: lag.thresholdMs,
      evaluationPeriods: lag.evaluationPeriods,
      description: EXPIRY_LAG_DESCRIPTION,
    }),
  );
  const scheduled = ALARMS.scheduledRunsFailed;
  alarms.push(
    alarm('ScheduledRunsFailedAlarm', stintMetric(scheduled.service, scheduled.metric, scheduled.statistic, Duration.seconds(scheduled.periodSeconds)), {
      threshold: scheduled.threshold,
      evaluationPeriods: scheduled.evaluationPeriods,
      description: `Due scheduled runs the sweeper could not start, in each of ${scheduled.evaluationPeriods} consecutive ${scheduled.periodSeconds} s periods`,
    }),
  );

  const throttled = ALARMS.tableThrottled;
  alarms.push(
    alarm('TableThrottledAlarm', throttledRequests(options.table), {
      threshold: throttled.threshold,
      evaluationPeriods: throttled.evaluationPeriods,
      description: `DynamoDB throttled requests to the table in each of ${throttled.evaluationPeriods} consecutive ${throttled.periodSeconds} s periods`,
    }),
  );

  if (options.topic) {
    const action = new SnsAction(options.topic);
    for (const a of alarms) {
      a.addAlarmAction(action);
      a.addOkAction(action);
    }
  }
  return alarms;
}

/**
 * A topic for alarm notifications: TLS-only, publishable by this account's CloudWatch alarms.
 * Not KMS-encrypted: alarms cannot publish to a topic under the AWS-managed SNS key, and a
 * notification carries only an alarm's name and state.
 */
export function createAlarmTopic(scope: Construct): sns.Topic {
  const topic = new sns.Topic(scope, 'AlarmTopic', { displayName: 'Stint alarms', enforceSSL: true });
  const stack = Stack.of(scope);
  // The TLS policy replaces SNS's default topic policy, so CloudWatch's right to publish is stated explicitly.
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
        StringEquals: { 'aws:SourceAccount': stack.account },
      },
    }),
  );
  return topic;
}
