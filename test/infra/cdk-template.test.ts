import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALARMS,
  BUNDLING,
  DEFAULT_SETTINGS,
  EXPORT_LIFECYCLE,
  FUNCTIONS,
  functionEnvironment,
  METRICS,
  QUEUES,
  QUEUE_VISIBILITY_TIMEOUT_SECONDS,
  REPORT_TOPIC,
  RUNTIME,
  SWEEPER_SCHEDULE,
  TABLE,
  type QueueId,
} from '../../infra/spec.ts';
import { logicalId, resourcesOfType, synthStint, type Synthesized } from './synth.ts';
import { THROTTLED_OPERATIONS } from './expected-alarms.ts';

let s: Synthesized;
const getAtt = (id: string, attr = 'Arn') => ({ 'Fn::GetAtt': [id, attr] });
const queueId = (q: QueueId) => logicalId(s.stack, s.stack.jobs.queues[q].queue);
const dlqId = (q: QueueId) => logicalId(s.stack, s.stack.jobs.queues[q].dlq);
const fnId = (f: (typeof FUNCTIONS)[number]['id']) => logicalId(s.stack, s.stack.jobs.functions[f]);
const tableId = () => logicalId(s.stack, s.stack.jobs.table);

beforeAll(() => {
  // With bundling: this is also the proof that synth bundles the handlers offline with the local esbuild.
  s = synthStint({}, { bundle: true });
});

describe('table', () => {
  it('has the spec keys, KEYS_ONLY indexes (gsi2 with hasErrors), PITR, TTL, on-demand billing and encryption', () => {
    const keys = [TABLE.partitionKey, TABLE.sortKey, ...TABLE.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
    s.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith(keys.map((k) => ({ AttributeName: k, AttributeType: 'S' }))),
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      StreamSpecification: { StreamViewType: 'OLD_IMAGE' },
      SSESpecification: { SSEEnabled: true },
      GlobalSecondaryIndexes: TABLE.indexes.map((i) => ({
        IndexName: i.name,
        KeySchema: [
          { AttributeName: i.partitionKey, KeyType: 'HASH' },
          { AttributeName: i.sortKey, KeyType: 'RANGE' },
        ],
        Projection: i.name === 'gsi2' ? { ProjectionType: 'INCLUDE', NonKeyAttributes: ['hasErrors'] } : { ProjectionType: 'KEYS_ONLY' },
      })),
    });
  });

  it('is deletable outside production', () => {
    s.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtectionEnabled: false }) });
  });
});

describe('queues', () => {
  it.each(QUEUES.map((q) => [q.id, q] as const))('%s has a DLQ, its visibility timeout and SQS-managed SSE', (id, spec) => {
    s.template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: QUEUE_VISIBILITY_TIMEOUT_SECONDS,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: getAtt(dlqId(id)), maxReceiveCount: spec.maxReceiveCount },
    });
    const dlq = resourcesOfType(s.template, 'AWS::SQS::Queue')[dlqId(id)];
    expect(dlq?.Properties).toMatchObject({ MessageRetentionPeriod: spec.dlqRetentionDays * 86_400, SqsManagedSseEnabled: true });
  });

  it('every queue, DLQs included, refuses requests without TLS', () => {
    const ids = QUEUES.flatMap((q) => [queueId(q.id), dlqId(q.id)]);
    for (const id of ids) {
      s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  it('gives every consumed queue at least six times its consumer timeout as visibility timeout', () => {
    const queues = resourcesOfType(s.template, 'AWS::SQS::Queue');
    const functions = resourcesOfType(s.template, 'AWS::Lambda::Function');
    const mappings = Object.values(resourcesOfType(s.template, 'AWS::Lambda::EventSourceMapping')).filter((m) => JSON.stringify(m).includes('Queue'));
    expect(mappings).toHaveLength(FUNCTIONS.flatMap((f) => f.consumes).length);
    for (const mapping of mappings) {
      const props = mapping.Properties as { EventSourceArn: { 'Fn::GetAtt': [string] }; FunctionName: { Ref: string } };
      const visibility = queues[props.EventSourceArn['Fn::GetAtt'][0]]?.Properties?.VisibilityTimeout as number;
      const timeout = functions[props.FunctionName.Ref]?.Properties?.Timeout as number;
      expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
    }
  });
});

describe('export bucket', () => {
  it('blocks public access, encrypts, expires exports and aborts stale multipart uploads', () => {
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Status: 'Enabled',
            ExpirationInDays: EXPORT_LIFECYCLE.expiryDays,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: EXPORT_LIFECYCLE.abortIncompleteMultipartDays },
          }),
        ],
      },
    });
  });

  it('refuses requests without TLS', () => {
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });
});

describe('report topic', () => {
  const topicId = () => logicalId(s.stack, s.stack.jobs.reportTopic);

  it('is encrypted with the AWS-managed SNS key', () => {
    s.template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: REPORT_TOPIC.displayName,
      KmsMasterKeyId: {
        'Fn::Join': ['', Match.arrayWith([`:${REPORT_TOPIC.kmsMasterKeyId}`])],
      },
    });
  });

  it('refuses publishing without TLS, and allows nothing else by resource policy', () => {
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId() }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Resource: { Ref: topicId() },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ],
      },
    });
  });

  it('has no subscriptions in the template: the api subscribes recipients as admins name them', () => {
    s.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('is what every function reads from STINT_REPORT_TOPIC_ARN, and a stack output', () => {
    for (const spec of FUNCTIONS) {
      const fn = resourcesOfType(s.template, 'AWS::Lambda::Function')[fnId(spec.id)];
      const variables = (fn!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.STINT_REPORT_TOPIC_ARN, spec.id).toEqual({ Ref: topicId() });
    }
    s.template.hasOutput('ReportTopicArn', { Value: { Ref: topicId() } });
  });
});

describe('functions', () => {
  it.each(FUNCTIONS.map((f) => [f.id, f] as const))('%s runs on the spec runtime, size and environment', (id, spec) => {
    const fn = resourcesOfType(s.template, 'AWS::Lambda::Function')[fnId(id)];
    const refs = { tableName: 'x', workQueueUrl: 'x', lowQueueUrl: 'x', bucketName: 'x', reportTopicArn: 'x', sessionSecretArn: 'x' };
    const expectedEnv = functionEnvironment(spec, refs, DEFAULT_SETTINGS);
    expect(fn?.Properties).toMatchObject({
      Runtime: RUNTIME.lambda,
      Architectures: [RUNTIME.architecture],
      MemorySize: spec.memoryMb,
      Timeout: spec.timeoutSeconds,
      Handler: 'index.handler',
    });
    const variables = (fn!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables).sort()).toEqual(Object.keys(expectedEnv).sort());
    expect(variables).toMatchObject({ POWERTOOLS_SERVICE_NAME: `stint-${id}`, POWERTOOLS_METRICS_NAMESPACE: 'Stint', POWERTOOLS_LOG_LEVEL: 'INFO' });
  });

  it('were bundled by esbuild as minified ESM with the createRequire banner', () => {
    const outdir = s.app.synth().directory;
    for (const spec of FUNCTIONS) {
      const code = resourcesOfType(s.template, 'AWS::Lambda::Function')[fnId(spec.id)]?.Properties?.Code as { S3Key: string };
      const bundle = join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs');
      expect(existsSync(bundle), bundle).toBe(true);
      expect(readFileSync(bundle, 'utf8').startsWith(BUNDLING.banner)).toBe(true);
    }
  });

  it.each(FUNCTIONS.flatMap((f) => f.consumes.map((c) => [f.id, c.queue, c] as const)))(
    '%s consumes %s with partial batch responses and a concurrency cap',
    (fnName, queue, consumer) => {
      s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: getAtt(queueId(queue)),
        FunctionName: { Ref: fnId(fnName) },
        BatchSize: consumer.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: consumer.maxConcurrency },
      });
    },
  );

  it('caps the low lane below the work lane', () => {
    const worker = FUNCTIONS.find((f) => f.id === 'worker');
    const cap = (q: QueueId) => worker?.consumes.find((c) => c.queue === q)?.maxConcurrency ?? 0;
    expect(cap('low')).toBeLessThan(cap('work'));
  });

  it('feeds the expiry function TTL’s removals of job items from the table’s stream, from its oldest record, retrying from a failed record for 6 hours, then to the failure queue', () => {
    const streamMappings = Object.values(resourcesOfType(s.template, 'AWS::Lambda::EventSourceMapping')).filter((m) => JSON.stringify(m).includes('StreamArn'));
    expect(streamMappings).toHaveLength(1);
    expect(streamMappings[0]!.Properties).toEqual({
      EventSourceArn: getAtt(logicalId(s.stack, s.stack.jobs.table), 'StreamArn'),
      FunctionName: { Ref: fnId('expiry') },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 30,
      ParallelizationFactor: 4,
      MaximumRecordAgeInSeconds: 21_600,
      DestinationConfig: { OnFailure: { Destination: getAtt(logicalId(s.stack, s.stack.jobs.streamFailures), 'Arn') } },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['REMOVE'],
              userIdentity: { type: ['Service'], principalId: ['dynamodb.amazonaws.com'] },
              dynamodb: { Keys: { sk: { S: ['J'] } } },
            }),
          },
        ],
      },
    });
  });

  it('runs the sweeper every minute', () => {
    expect(SWEEPER_SCHEDULE).toBe('rate(1 minute)');
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: getAtt(fnId('sweeper')) })],
    });
  });
});

describe('HTTP API', () => {
  it('sends every route to the api function through a logged $default stage', () => {
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: getAtt(fnId('api')),
    });
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', AuthorizationType: 'NONE' });
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });
});

describe('alarms and dashboard', () => {
  const alarm = (props: Record<string, unknown>) => s.template.hasResourceProperties('AWS::CloudWatch::Alarm', props);

  it('alarms on p90 waiting time of the worker, where jobs start', () => {
    alarm({
      Namespace: 'Stint',
      MetricName: 'WaitingTime',
      Dimensions: [{ Name: 'service', Value: 'stint-worker' }],
      ExtendedStatistic: 'p90',
      Threshold: ALARMS.waitingTimeP90.defaultThresholdMs,
      EvaluationPeriods: ALARMS.waitingTimeP90.evaluationPeriods,
      Period: ALARMS.waitingTimeP90.periodSeconds,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('reads WaitingTime on a dimension set the spec says the handlers emit it with', () => {
    const waiting = Object.values(resourcesOfType(s.template, 'AWS::CloudWatch::Alarm')).find((a) => a.Properties?.MetricName === 'WaitingTime');
    const dimensions = (waiting!.Properties!.Dimensions as { Name: string }[]).map((d) => d.Name).join();
    expect(METRICS.dimensionSets.WaitingTime.map((set) => set.join())).toContain(dimensions);
  });

  it.each(QUEUES.map((q) => q.id))('alarms on any message in the %s DLQ', (id) => {
    alarm({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(dlqId(id), 'QueueName') }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it.each(['work', 'low'] as const)('alarms on the age of the oldest %s message', (id) => {
    alarm({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(queueId(id), 'QueueName') }],
      Threshold: ALARMS.oldestMessageAge.thresholdSeconds[id],
    });
  });

  it('alarms on worker errors', () => {
    alarm({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId('worker') } }],
      Statistic: 'Sum',
      Threshold: ALARMS.workerErrors.threshold,
    });
  });

  it('alarms on scheduled runs the sweeper could not start, three sweeps in a row', () => {
    alarm({
      Namespace: 'Stint',
      MetricName: 'ScheduledRunsFailed',
      Dimensions: [{ Name: 'service', Value: 'stint-sweeper' }],
      Statistic: 'Sum',
      Threshold: 0,
      EvaluationPeriods: 3,
      Period: 60,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    const failed = Object.values(resourcesOfType(s.template, 'AWS::CloudWatch::Alarm')).find(
      (a) => a.Properties?.MetricName === METRICS.names.scheduledRunsFailed,
    );
    // No M-of-N: every one of the three periods must breach.
    expect(failed?.Properties?.DatapointsToAlarm).toBeUndefined();
    const dimensions = (failed!.Properties!.Dimensions as { Name: string }[]).map((d) => d.Name).join();
    expect(METRICS.dimensionSets.ScheduledRunsFailed.map((set) => set.join())).toContain(dimensions);
  });

  it('alarms on throttled requests to the table, every operation Stint sends added up, three minutes in a row', () => {
    const throttled = Object.values(resourcesOfType(s.template, 'AWS::CloudWatch::Alarm')).find((a) => a.Properties?.Metrics !== undefined);
    const p = throttled!.Properties!;
    expect(p).toMatchObject({ Threshold: 0, EvaluationPeriods: 3, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    const metrics = p.Metrics as Array<{
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] }; Stat: string; Period: number };
    }>;
    expect(metrics[0]).toMatchObject({ Expression: 'SUM([m0,m1,m2,m3,m4,m5,m6])' });
    const reads = metrics.slice(1);
    expect(reads.map((m) => m.MetricStat!.Metric.Dimensions.find((d) => d.Name === 'Operation')?.Value)).toEqual(THROTTLED_OPERATIONS);
    for (const m of reads) {
      expect(m.MetricStat).toMatchObject({ Metric: { Namespace: 'AWS/DynamoDB', MetricName: 'ThrottledRequests' }, Stat: 'Sum', Period: 60 });
      expect(m.MetricStat!.Metric.Dimensions.find((d) => d.Name === 'TableName')?.Value).toEqual({ Ref: tableId() });
    }
  });

  it('has one alarm per spec entry and queue', () => {
    // Waiting time, a DLQ each, two queue ages, worker errors, scheduled runs, throttling, expiry failures and lag.
    s.template.resourceCountIs('AWS::CloudWatch::Alarm', 1 + QUEUES.length + 2 + 1 + 1 + 1 + 2);
  });

  it('has no alarm actions unless a topic is given', () => {
    for (const a of Object.values(resourcesOfType(s.template, 'AWS::CloudWatch::Alarm'))) {
      expect(a.Properties?.AlarmActions).toBeUndefined();
    }
  });

  it('draws the alarmed metrics on a dashboard', () => {
    const [dashboard] = Object.values(resourcesOfType(s.template, 'AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties?.DashboardBody);
    for (const metric of [
      'WaitingTime',
      'JobsCreated',
      'ScheduledRunsStarted',
      'ScheduledRunsFailed',
      'ApproximateAgeOfOldestMessage',
      'ApproximateNumberOfMessagesVisible',
      'Errors',
      'ThrottledRequests',
      'IteratorAge',
    ]) {
      expect(body).toContain(metric);
    }
  });
});
