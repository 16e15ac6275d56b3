import { describe, expect, it } from 'vitest';
import {
  API_THROTTLING,
  BUNDLING,
  DEFAULT_SETTINGS,
  EXPORT_LIFECYCLE,
  FUNCTIONS,
  functionSpec,
  QUEUES,
  REPORT_TOPIC,
  SWEEPER_SCHEDULE,
  TABLE,
  WORKER,
  type ResourceName,
} from '../../infra/spec.ts';
import { alarmArgs, dashboardBody } from '../../infra/sst-alarm-args.ts';
import {
  API_ROUTE,
  bucketArgs,
  dlqArgs,
  functionArgs,
  httpApiArgs,
  jwtAuthorizerArgs,
  queueArgs,
  reportTopicArgs,
  subscriberArgs,
  sweeperCronArgs,
  streamSubscriberArgs,
  tableArgs,
  tlsOnlyQueuePolicy,
  tlsOnlyTopicPolicy,
} from '../../infra/sst-args.ts';
import { THROTTLED_OPERATIONS } from './expected-alarms.ts';

const refs = {
  tableName: 'table',
  workQueueUrl: 'work-url',
  lowQueueUrl: 'low-url',
  bucketName: 'bucket',
  reportTopicArn: 'topic-arn',
  sessionSecretArn: 'secret-arn',
};
const arns = (name: ResourceName) => [`arn:${name}`];

describe('table', () => {
  it('declares the spec keys and KEYS_ONLY indexes (gsi2 with hasErrors), TTL and PITR', () => {
    const args = tableArgs(false);
    expect(args.primaryIndex).toEqual({ hashKey: TABLE.partitionKey, rangeKey: TABLE.sortKey });
    expect(Object.values(args.fields).every((t) => t === 'string')).toBe(true);
    for (const index of TABLE.indexes) {
      expect(args.globalIndexes[index.name]).toEqual({
        hashKey: index.partitionKey,
        rangeKey: index.sortKey,
        projection: index.name === 'gsi2' ? ['hasErrors'] : 'keys-only',
      });
      expect(args.fields).toHaveProperty(index.partitionKey);
      expect(args.fields).toHaveProperty(index.sortKey);
    }
    expect(args.ttl).toBe(TABLE.ttlAttribute);
    expect(args.stream).toBe('old-image');
    expect(args.transform.table).toMatchObject({ billingMode: 'PAY_PER_REQUEST', pointInTimeRecovery: { enabled: true } });
  });

  it('is deletion-protected in production only', () => {
    expect(tableArgs(true).deletionProtection).toBe(true);
    expect(tableArgs(false).deletionProtection).toBe(false);
  });
});

describe('queues', () => {
  it.each(QUEUES.map((q) => [q.id, q] as const))('%s has its DLQ, retry count, visibility timeout and SSE', (_id, spec) => {
    expect(queueArgs(spec, 'dlq-arn')).toEqual({
      visibilityTimeout: `${WORKER.visibilityTimeoutSeconds} seconds`,
      dlq: { queue: 'dlq-arn', retry: spec.maxReceiveCount },
      transform: { queue: { sqsManagedSseEnabled: true } },
    });
    expect(dlqArgs(spec).transform.queue).toEqual({ messageRetentionSeconds: spec.dlqRetentionDays * 86_400, sqsManagedSseEnabled: true });
  });

  it('refuse requests without TLS', () => {
    expect(tlsOnlyQueuePolicy('arn:q').Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Resource: 'arn:q', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });
});

describe('report topic', () => {
  it('is encrypted with the AWS-managed SNS key', () => {
    expect(reportTopicArgs()).toEqual({
      transform: { topic: { displayName: REPORT_TOPIC.displayName, kmsMasterKeyId: 'alias/aws/sns' } },
    });
  });

  it('refuses publishing without TLS', () => {
    expect(tlsOnlyTopicPolicy('arn:t').Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Resource: 'arn:t', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
  });

  it.each(FUNCTIONS.map((f) => [f.id, f] as const))('is in the %s function’s environment; only the engine functions may publish', (id, spec) => {
    const args = functionArgs(spec, refs, DEFAULT_SETTINGS, arns);
    expect(args.environment.STINT_REPORT_TOPIC_ARN).toBe('topic-arn');
    const onTopic = args.permissions.filter((p) => p.resources.includes('arn:reportTopic')).flatMap((p) => p.actions);
    expect(onTopic.sort()).toEqual(id === 'api' ? ['sns:Publish', 'sns:Subscribe'] : id === 'intake' || id === 'expiry' ? [] : ['sns:Publish']);
  });
});

describe('export bucket', () => {
  it('expires exports and, through the lifecycle transform, aborts stale multipart uploads', () => {
    const args = bucketArgs();
    expect(args.enforceHttps).toBe(true);
    expect(args.lifecycle).toEqual([{ id: 'expire-exports', expiresIn: `${EXPORT_LIFECYCLE.expiryDays} days` }]);
    // What sst.aws.Bucket hands its lifecycle transform: the rules it built from `lifecycle`.
    const expiry = { id: 'expire-exports', status: 'Enabled', expiration: { days: EXPORT_LIFECYCLE.expiryDays } };
    const lifecycle = { bucket: 'bucket', rules: [expiry] };
    args.transform.lifecycle(lifecycle);
    expect(lifecycle).toEqual({
      bucket: 'bucket',
      rules: [{ ...expiry, abortIncompleteMultipartUpload: { daysAfterInitiation: EXPORT_LIFECYCLE.abortIncompleteMultipartDays } }],
    });
  });

  it('fails the deploy when SST hands the lifecycle transform no rules array', () => {
    expect(() => bucketArgs().transform.lifecycle({})).toThrow(/no rules array/);
  });
});

describe('functions', () => {
  it.each(FUNCTIONS.map((f) => [f.id, f] as const))('%s takes runtime, size, bundling and permissions from the spec', (id, spec) => {
    const args = functionArgs(spec, refs, DEFAULT_SETTINGS, arns);
    expect(args).toMatchObject({
      handler: `packages/functions/src/lambda/${id}.handler`,
      runtime: 'nodejs22.x',
      architecture: 'arm64',
      memory: `${spec.memoryMb} MB`,
      timeout: `${spec.timeoutSeconds} seconds`,
      nodejs: {
        format: 'esm',
        minify: true,
        banner: BUNDLING.banner,
        esbuild: { target: 'node22', platform: 'node', mainFields: ['module', 'main'] },
      },
    });
    expect(args).not.toHaveProperty('link');
    expect(args.environment).toMatchObject({ STINT_TABLE_NAME: 'table', STINT_WORK_QUEUE_URL: 'work-url', POWERTOOLS_SERVICE_NAME: `stint-${id}` });
    for (const permission of args.permissions) {
      expect(permission.resources.every((r) => r.startsWith('arn:'))).toBe(true);
      expect(permission.actions.some((a) => a.includes('*'))).toBe(false);
    }
  });

  it('subscribe with partial batch responses and the concurrency cap', () => {
    const [work, low] = functionSpec('worker').consumes;
    expect(subscriberArgs(work!)).toEqual({
      batch: { size: WORKER.batchSize, partialResponses: true },
      transform: { eventSourceMapping: { scalingConfig: { maximumConcurrency: work!.maxConcurrency } } },
    });
    expect(subscriberArgs(low!).transform.eventSourceMapping.scalingConfig.maximumConcurrency).toBeLessThan(work!.maxConcurrency);
  });

  it('feed the expiry function TTL’s removals of job items from the table’s stream, as the CDK construct does', () => {
    expect(streamSubscriberArgs(functionSpec('expiry').tableStream!, 'arn:failures')).toEqual({
      filters: [
        { eventName: ['REMOVE'], userIdentity: { type: ['Service'], principalId: ['dynamodb.amazonaws.com'] }, dynamodb: { Keys: { sk: { S: ['J'] } } } },
      ],
      transform: {
        eventSourceMapping: {
          startingPosition: 'TRIM_HORIZON',
          batchSize: 100,
          maximumBatchingWindowInSeconds: 30,
          parallelizationFactor: 4,
          maximumRetryAttempts: -1,
          maximumRecordAgeInSeconds: 21_600,
          destinationConfig: { onFailure: { destinationArn: 'arn:failures' } },
          functionResponseTypes: ['ReportBatchItemFailures'],
        },
      },
    });
  });

  it('run the sweeper every minute', () => {
    expect(sweeperCronArgs('arn:sweeper')).toEqual({ schedule: SWEEPER_SCHEDULE, function: 'arn:sweeper' });
  });
});

describe('HTTP API', () => {
  it('logs access and routes everything to the api function, optionally behind a JWT authorizer', () => {
    expect(httpApiArgs()).toEqual({
      accessLog: { retention: '1 month' },
      cors: false,
      transform: { stage: { defaultRouteSettings: { throttlingRateLimit: API_THROTTLING.rateLimit, throttlingBurstLimit: API_THROTTLING.burstLimit } } },
    });
    expect(API_ROUTE).toBe('$default');
    expect(jwtAuthorizerArgs({ issuer: 'https://issuer/', audience: ['a'] })).toEqual({
      name: 'jwt',
      jwt: { issuer: 'https://issuer/', audiences: ['a'] },
    });
  });
});

describe('alarms and dashboard', () => {
  const targets = {
    tableName: 'jobs-table',
    workerFunctionName: 'worker-fn',
    queueNames: { work: 'work-q', low: 'low-q', intake: 'intake-q' },
    dlqNames: { work: 'work-dlq', low: 'low-dlq', intake: 'intake-dlq' },
    expiryFunctionName: 'expiry-fn',
    streamFailuresName: 'expiry-failures-q',
  };

  it('alarm on waiting time, every DLQ, work-queue age, worker errors, failed scheduled runs and a stalled expiry, notifying the topic', () => {
    const alarms = alarmArgs(targets, 60_000, 'arn:topic');
    expect(Object.keys(alarms).sort()).toEqual(
      [
        'WaitingTimeAlarm',
        'WorkDlqAlarm',
        'LowDlqAlarm',
        'IntakeDlqAlarm',
        'WorkQueueAgeAlarm',
        'LowQueueAgeAlarm',
        'WorkerErrorsAlarm',
        'ScheduledRunsFailedAlarm',
        'TableThrottledAlarm',
        'ExpiryFailuresAlarm',
        'ExpiryLagAlarm',
      ].sort(),
    );
    expect(alarms.WaitingTimeAlarm).toMatchObject({ extendedStatistic: 'p90', threshold: 60_000, dimensions: { service: 'stint-worker' } });
    expect(alarms.IntakeDlqAlarm?.dimensions).toEqual({ QueueName: 'intake-dlq' });
    for (const alarm of Object.values(alarms)) expect(alarm.alarmActions).toEqual(['arn:topic']);
    expect(alarmArgs(targets, 60_000).WorkerErrorsAlarm?.alarmActions).toEqual([]);
  });

  it('alarm when DynamoDB throttles the table in three consecutive minutes, adding up every operation Stint sends', () => {
    const alarm = alarmArgs(targets, 60_000, 'arn:topic').TableThrottledAlarm!;
    expect(alarm).toMatchObject({ threshold: 0, evaluationPeriods: 3, comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'notBreaching' });
    expect(alarm.metricName).toBeUndefined();
    const [sum, ...reads] = alarm.metricQueries!;
    expect(sum).toEqual({ id: 'e1', expression: 'SUM([m0,m1,m2,m3,m4,m5,m6])', label: 'Throttled requests', returnData: true });
    expect(reads.map((q) => q.metric?.dimensions.Operation)).toEqual(THROTTLED_OPERATIONS);
    for (const q of reads) {
      expect(q).toMatchObject({ returnData: false, metric: { namespace: 'AWS/DynamoDB', metricName: 'ThrottledRequests', stat: 'Sum', period: 60 } });
      expect(q.metric?.dimensions.TableName).toBe('jobs-table');
    }
  });

  it('alarm at the first stream batch the expiry function gave up on, and when its records wait over 15 minutes for 15 minutes', () => {
    const alarms = alarmArgs(targets, 60_000, 'arn:topic');
    expect(alarms.ExpiryFailuresAlarm).toMatchObject({
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: 'expiry-failures-q' },
      statistic: 'Maximum',
      threshold: 0,
      period: 60,
      evaluationPeriods: 1,
    });
    expect(alarms.ExpiryLagAlarm).toMatchObject({
      namespace: 'AWS/Lambda',
      metricName: 'IteratorAge',
      dimensions: { FunctionName: 'expiry-fn' },
      statistic: 'Maximum',
      threshold: 900_000,
      period: 300,
      evaluationPeriods: 3,
      comparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarm when the sweeper fails to start due scheduled runs in three consecutive minutes', () => {
    const alarm = alarmArgs(targets, 60_000, 'arn:topic').ScheduledRunsFailedAlarm;
    expect(alarm).toMatchObject({
      namespace: 'Stint',
      metricName: 'ScheduledRunsFailed',
      dimensions: { service: 'stint-sweeper' },
      statistic: 'Sum',
      threshold: 0,
      period: 60,
      evaluationPeriods: 3,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: ['arn:topic'],
      okActions: ['arn:topic'],
    });
    expect(alarm?.extendedStatistic).toBeUndefined();
  });

  it('draw the same graphs as the CDK dashboard', () => {
    const functionNames = { api: 'api-fn', worker: 'worker-fn', intake: 'intake-fn', sweeper: 'sweeper-fn', expiry: 'expiry-fn' };
    const body = JSON.parse(dashboardBody('eu-west-1', { ...targets, functionNames }, 60_000)) as { widgets: unknown[] };
    expect(body.widgets).toHaveLength(13);
    expect(JSON.stringify(body)).toContain('"AWS/SQS","ApproximateNumberOfMessagesVisible","QueueName","expiry-failures-q"');
    expect(JSON.stringify(body)).toContain('"AWS/Lambda","IteratorAge","FunctionName","expiry-fn"');
    expect(JSON.stringify(body)).toContain('"AWS/DynamoDB","ThrottledRequests","TableName","jobs-table","Operation","UpdateItem"');
    expect(JSON.stringify(body)).toContain('intake-dlq');
    expect(JSON.stringify(body)).toContain('"Stint","ScheduledRunsStarted","service","stint-sweeper"');
    expect(JSON.stringify(body)).toContain('"Stint","ScheduledRunsFailed","service","stint-sweeper"');
  });
});
