/**
 * The two front doors read one spec; these tests compare what each produces, so a change
 * made to only one of them fails here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ALARMS, DEFAULT_SETTINGS, FUNCTIONS, QUEUES } from '../../infra/spec.ts';
import { alarmArgs, dashboardBody } from '../../infra/sst-alarm-args.ts';
import { dlqArgs, functionArgs, queueArgs, reportTopicArgs, tableArgs, tlsOnlyTopicPolicy } from '../../infra/sst-args.ts';
import { logicalId, resourcesOfType, synthStint, type Synthesized } from './synth.ts';

let s: Synthesized;
beforeAll(() => {
  s = synthStint();
});

const refs = { tableName: 't', workQueueUrl: 'w', lowQueueUrl: 'l', bucketName: 'b', reportTopicArn: 'r', sessionSecretArn: 's' };

describe.each(FUNCTIONS.map((f) => [f.id, f] as const))('%s function', (id, spec) => {
  const sst = () => functionArgs(spec, refs, DEFAULT_SETTINGS, (name) => [name]);
  const cdk = () => resourcesOfType(s.template, 'AWS::Lambda::Function')[logicalId(s.stack, s.stack.jobs.functions[id])]!.Properties!;

  it('has the same runtime, architecture, memory and timeout', () => {
    expect(cdk().Runtime).toBe(sst().runtime);
    expect(cdk().Architectures).toEqual([sst().architecture]);
    expect(`${String(cdk().MemorySize)} MB`).toBe(sst().memory);
    expect(`${String(cdk().Timeout)} seconds`).toBe(sst().timeout);
  });

  it('has the same environment variables, with the same constant values', () => {
    const cdkEnv = (cdk().Environment as { Variables: Record<string, unknown> }).Variables;
    const sstEnv = sst().environment;
    expect(Object.keys(cdkEnv).sort()).toEqual(Object.keys(sstEnv).sort());
    for (const [name, value] of Object.entries(sstEnv)) {
      if (!Object.values(refs).includes(value)) expect(cdkEnv[name], name).toBe(value);
    }
  });

  it('is allowed the same actions', () => {
    const roleId = logicalId(s.stack, s.stack.jobs.functions[id].role!);
    const policy = Object.values(resourcesOfType(s.template, 'AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties?.Roles).includes(roleId));
    const statements = (policy!.Properties!.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement;
    const cdkActions = new Set(statements.flatMap((st) => [st.Action].flat()).filter((a) => !a.startsWith('logs:')));
    expect([...cdkActions].sort()).toEqual([...new Set(sst().permissions.flatMap((p) => p.actions))].sort());
  });
});

describe('table', () => {
  it('has the same indexes, projections and TTL', () => {
    const [table] = Object.values(resourcesOfType(s.template, 'AWS::DynamoDB::Table'));
    const sst = tableArgs(false);
    const gsis = table?.Properties?.GlobalSecondaryIndexes as { IndexName: string; Projection: { ProjectionType: string; NonKeyAttributes?: string[] } }[];
    expect(gsis.map((g) => g.IndexName).sort()).toEqual(Object.keys(sst.globalIndexes).sort());
    // The same projection in both: keys only, or the listed attributes.
    for (const gsi of gsis) {
      const projection = sst.globalIndexes[gsi.IndexName]!.projection;
      expect(gsi.Projection).toEqual(
        projection === 'keys-only' ? { ProjectionType: 'KEYS_ONLY' } : { ProjectionType: 'INCLUDE', NonKeyAttributes: projection },
      );
    }
    expect((table!.Properties!.TimeToLiveSpecification as { AttributeName: string }).AttributeName).toBe(sst.ttl);
  });
});

describe.each(QUEUES.map((q) => [q.id, q] as const))('%s queue', (id, spec) => {
  it('has the same visibility timeout, retry count and DLQ retention', () => {
    const queues = resourcesOfType(s.template, 'AWS::SQS::Queue');
    const queue = queues[logicalId(s.stack, s.stack.jobs.queues[id].queue)]!.Properties!;
    const dlq = queues[logicalId(s.stack, s.stack.jobs.queues[id].dlq)]!.Properties!;
    const sst = queueArgs(spec, 'dlq');
    expect(`${String(queue.VisibilityTimeout)} seconds`).toBe(sst.visibilityTimeout);
    expect((queue.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount).toBe(sst.dlq.retry);
    expect(dlq.MessageRetentionPeriod).toBe(dlqArgs(spec).transform.queue.messageRetentionSeconds);
  });
});

describe('report topic', () => {
  const topicId = () => logicalId(s.stack, s.stack.jobs.reportTopic);

  it('has the same display name and is encrypted with the same key', () => {
    const cdk = resourcesOfType(s.template, 'AWS::SNS::Topic')[topicId()]!.Properties!;
    const sst = reportTopicArgs().transform.topic;
    expect(cdk.DisplayName).toBe(sst.displayName);
    // CDK names the key by its alias ARN, SST by the alias itself: the same key.
    const cdkKey = s.stack.resolve(cdk.KmsMasterKeyId) as { 'Fn::Join': [string, unknown[]] };
    expect(cdkKey['Fn::Join'][1].at(-1)).toBe(`:${sst.kmsMasterKeyId}`);
  });

  it('has the same TLS-only policy', () => {
    const policy = Object.values(resourcesOfType(s.template, 'AWS::SNS::TopicPolicy')).find(
      (p) => JSON.stringify(p.Properties?.Topics) === JSON.stringify([{ Ref: topicId() }]),
    );
    expect(policy?.Properties?.PolicyDocument).toEqual(tlsOnlyTopicPolicy({ Ref: topicId() } as unknown as string));
  });
});

describe('alarms', () => {
  it('watch the same metrics with the same statistics, periods and thresholds', () => {
    const shape = (a: Record<string, unknown>) =>
      [
        a.namespace,
        a.metricName,
        a.statistic ?? a.extendedStatistic,
        a.period,
        a.evaluationPeriods,
        a.threshold,
        a.comparisonOperator,
        a.treatMissingData,
        a.math ?? '',
      ].join(' ');
    const cdk = Object.values(resourcesOfType(s.template, 'AWS::CloudWatch::Alarm')).map((a) => {
      const p = a.Properties!;
      // A metric-math alarm: its expression, then each metric it reads (the table's name is a token in CDK).
      const metrics = p.Metrics as
        | Array<{
            Expression?: string;
            MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] }; Period: number; Stat: string };
          }>
        | undefined;
      const math = metrics
        ?.map(
          (m) =>
            m.Expression ??
            `${m.MetricStat!.Metric.Namespace} ${m.MetricStat!.Metric.MetricName} ${m.MetricStat!.Stat} ${m.MetricStat!.Period} ${m
              .MetricStat!.Metric.Dimensions.map((d) => (d.Name === 'TableName' ? d.Name : `${d.Name}=${String(d.Value)}`))
              .sort()
              .join(',')}`,
        )
        .join('; ');
      return shape({
        math,
        namespace: p.Namespace,
        metricName: p.MetricName,
        statistic: p.Statistic,
        extendedStatistic: p.ExtendedStatistic,
        period: p.Period,
        evaluationPeriods: p.EvaluationPeriods,
        threshold: p.Threshold,
        comparisonOperator: p.ComparisonOperator,
        treatMissingData: p.TreatMissingData,
      });
    });
    const sst = Object.values(sstAlarms()).map((a) =>
      shape({
        ...a,
        math: a.metricQueries
          ?.map(
            (q) =>
              q.expression ??
              `${q.metric!.namespace} ${q.metric!.metricName} ${q.metric!.stat} ${q.metric!.period} ${Object.keys(q.metric!.dimensions)
                .map((name) => (name === 'TableName' ? name : `${name}=${String(q.metric!.dimensions[name])}`))
                .sort()
                .join(',')}`,
          )
          .join('; '),
      } as unknown as Record<string, unknown>),
    );
    expect(cdk.sort()).toEqual(sst.sort());
  });

  it('have the same names', () => {
    expect(s.stack.jobs.alarms.map((a) => a.node.id).sort()).toEqual(Object.keys(sstAlarms()).sort());
  });

  it('read the same dimensions of the Stint metrics', () => {
    const cdk = Object.values(resourcesOfType(s.template, 'AWS::CloudWatch::Alarm'))
      .filter((a) => a.Properties?.Namespace === 'Stint')
      .map((a) => {
        const dimensions = a.Properties!.Dimensions as { Name: string; Value: string }[];
        return `${String(a.Properties!.MetricName)} ${JSON.stringify(Object.fromEntries(dimensions.map((d) => [d.Name, d.Value])))}`;
      });
    const sst = Object.values(sstAlarms())
      .filter((a) => a.namespace === 'Stint')
      .map((a) => `${a.metricName} ${JSON.stringify(a.dimensions)}`);
    expect(cdk.sort()).toEqual(sst.sort());
    expect(cdk).toContain('ScheduledRunsFailed {"service":"stint-sweeper"}');
  });
});

describe('dashboard', () => {
  it('has the same graphs in the same places', () => {
    const [dashboard] = Object.values(resourcesOfType(s.template, 'AWS::CloudWatch::Dashboard'));
    // The body is a Fn::Join of JSON text and tokens (region, queue and function names), which all sit inside strings.
    const parts = (dashboard!.Properties!.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const layout = (body: string) =>
      (JSON.parse(body) as { widgets: { x: number; y: number; properties: { title: string } }[] }).widgets.map((w) => `${w.x},${w.y} ${w.properties.title}`);
    const cdk = layout(parts.map((p) => (typeof p === 'string' ? p : 'token')).join(''));
    const functionNames = { api: 'a', worker: 'f', intake: 'i', sweeper: 's', expiry: 'e' };
    const names = { work: 'w', low: 'l', intake: 'i' };
    const sst = layout(
      dashboardBody(
        'r',
        { tableName: 't', workerFunctionName: 'f', queueNames: names, dlqNames: names, expiryFunctionName: 'e', streamFailuresName: 'x', functionNames },
        60_000,
      ),
    );
    expect(cdk).toEqual(sst);
  });
});

function sstAlarms() {
  const names = { work: 'w', low: 'l', intake: 'i' };
  return alarmArgs(
    { tableName: 't', workerFunctionName: 'f', queueNames: names, dlqNames: names, expiryFunctionName: 'e', streamFailuresName: 'x' },
    ALARMS.waitingTimeP90.defaultThresholdMs,
  );
}
