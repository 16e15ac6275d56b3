import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, functionPermissions, TABLE, type FunctionId, type QueueId, type ResourceName } from '../../infra/spec.ts';
import { logicalId, resourcesOfType, synthStint, type Synthesized } from './synth.ts';

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/**
 * Actions AWS only authorizes on `"Resource": "*"`, with the reason. Nothing in the stack
 * needs one today; X-Ray would (it has no resource-level permissions) if tracing is turned on.
 */
const STAR_RESOURCE_ALLOWED: Record<string, string> = {
  'xray:PutTraceSegments': 'X-Ray has no resource-level permissions',
  'xray:PutTelemetryRecords': 'X-Ray has no resource-level permissions',
};

const POLICY_TYPES = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::SQS::QueuePolicy', 'AWS::S3::BucketPolicy', 'AWS::SNS::TopicPolicy'];

let s: Synthesized;
const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every statement of every identity and resource policy in the template (trust policies aside). */
function allStatements(): { where: string; statement: Statement }[] {
  const found: { where: string; statement: Statement }[] = [];
  for (const type of POLICY_TYPES) {
    for (const [id, resource] of Object.entries(resourcesOfType(s.template, type))) {
      const document = resource.Properties?.PolicyDocument as { Statement: Statement[] };
      for (const statement of document.Statement) found.push({ where: id, statement });
    }
  }
  for (const [id, role] of Object.entries(resourcesOfType(s.template, 'AWS::IAM::Role'))) {
    for (const inline of list(role.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined)) {
      for (const statement of inline.PolicyDocument.Statement) found.push({ where: id, statement });
    }
  }
  return found;
}

beforeAll(() => {
  // Every optional piece on, so the resource policies they add are checked too.
  s = synthStint({
    createAlarmTopic: true,
    intakeEventPattern: { source: ['com.example.orders'] },
    jwtAuthorizer: { issuer: 'https://issuer.example.com/', audience: ['stint'] },
    recordsApp: true,
  });
});

describe('no wildcards', () => {
  it('found the policies to check', () => {
    expect(allStatements().length).toBeGreaterThan(20);
  });

  it('no Allow statement has a wildcard action', () => {
    const offenders = allStatements().filter(({ statement }) => statement.Effect === 'Allow' && list(statement.Action).some((a) => a.includes('*')));
    expect(offenders).toEqual([]);
  });

  it('wildcard actions appear only in the deny-without-TLS statements', () => {
    const offenders = allStatements().filter(
      ({ statement }) =>
        statement.Effect === 'Deny' && list(statement.Action).some((a) => a.includes('*')) && statement.Condition?.Bool?.['aws:SecureTransport'] !== 'false',
    );
    expect(offenders).toEqual([]);
  });

  it('"Resource": "*" appears only for actions AWS authorizes on nothing narrower', () => {
    const offenders = allStatements().filter(
      ({ statement }) =>
        statement.Effect === 'Allow' && list(statement.Resource).includes('*') && !list(statement.Action).every((a) => a in STAR_RESOURCE_ALLOWED),
    );
    expect(offenders).toEqual([]);
  });

  it('no role has a managed policy (AWSLambdaBasicExecutionRole writes to every log group)', () => {
    for (const role of Object.values(resourcesOfType(s.template, 'AWS::IAM::Role'))) {
      expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
    }
    s.template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });
});

describe('each function role is exactly its spec', () => {
  const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
  const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });

  function expectedResources(name: ResourceName): unknown[] {
    const table = arn(logicalId(s.stack, s.stack.jobs.table));
    switch (name) {
      case 'table':
        return [table];
      case 'tableIndexes':
        return TABLE.indexes.map((i) => join(table, `/index/${i.name}`));
      case 'tableStream':
        return [{ 'Fn::GetAtt': [logicalId(s.stack, s.stack.jobs.table), 'StreamArn'] }];
      case 'streamFailures':
        return [arn(logicalId(s.stack, s.stack.jobs.streamFailures))];
      case 'exportObjects':
        return [join(arn(logicalId(s.stack, s.stack.jobs.bucket)), '/*')];
      case 'exportBucket':
        return [arn(logicalId(s.stack, s.stack.jobs.bucket))];
      case 'exportFiles':
        return [join(arn(logicalId(s.stack, s.stack.jobs.bucket)), '/exports/*')];
      case 'reportTopic':
        return [{ Ref: logicalId(s.stack, s.stack.jobs.reportTopic) }];
      case 'apiSecrets':
        return [{ Ref: logicalId(s.stack, s.stack.jobs.sessionSecret) }];
      default:
        return [arn(logicalId(s.stack, s.stack.jobs.queues[name.replace(/Queue$/, '') as QueueId].queue))];
    }
  }

  function rolePolicy(fn: FunctionId): Statement[] {
    const roleId = logicalId(s.stack, s.stack.jobs.functions[fn].role!);
    const policies = Object.values(resourcesOfType(s.template, 'AWS::IAM::Policy')).filter((p) =>
      list(p.Properties?.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })),
    );
    expect(policies).toHaveLength(1);
    return (policies[0]!.Properties!.PolicyDocument as { Statement: Statement[] }).Statement;
  }

  it.each(FUNCTIONS.map((f) => [f.id, f] as const))('%s', (id, spec) => {
    const logGroup = arn(logicalId(s.stack, s.stack.jobs.functions[id].logGroup));
    const expected = [
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [logGroup] },
      ...functionPermissions(spec, { recordsApp: true }).map((p) => ({
        Effect: 'Allow',
        Action: [...p.actions].sort(),
        Resource: p.resources.flatMap(expectedResources),
        ...(p.condition ? { Condition: { [p.condition.test]: { [p.condition.variable]: [...p.condition.values] } } } : {}),
      })),
    ];
    const actual = rolePolicy(id).map((st) => ({
      Effect: st.Effect,
      Action: list(st.Action).sort(),
      Resource: list(st.Resource),
      ...(st.Condition ? { Condition: st.Condition } : {}),
    }));
    expect(actual).toEqual(expected);
  });

  it('the engine functions may publish reports, only the api may subscribe, and only to the report topic', () => {
    const onTopic = (fn: FunctionId, action: string) =>
      rolePolicy(fn)
        .filter((st) => list(st.Action).includes(action))
        .flatMap((st) => list(st.Resource));
    const topic = expectedResources('reportTopic');
    expect(FUNCTIONS.map((f) => [f.id, onTopic(f.id, 'sns:Publish')])).toEqual([
      ['api', topic],
      ['worker', topic],
      ['intake', []],
      ['sweeper', topic],
      ['expiry', []],
    ]);
    expect(FUNCTIONS.map((f) => [f.id, onTopic(f.id, 'sns:Subscribe')])).toEqual([
      ['api', topic],
      ['worker', []],
      ['intake', []],
      ['sweeper', []],
      ['expiry', []],
    ]);
    const snsActions = allStatements().flatMap(({ statement }) => list(statement.Action).filter((a) => a.startsWith('sns:')));
    expect(new Set(snsActions)).toEqual(new Set(['sns:Publish', 'sns:Subscribe']));
  });

  it('every function that may finish an operation over a tree or refuse an adoption may delete table items', () => {
    // The sweeper's redo clears markers and removes deleted trees; intake deletes a child whose
    // parent ended before counting it. Without DeleteItem those recoveries fail in AWS alone.
    const deleters = FUNCTIONS.filter((f) => rolePolicy(f.id).some((st) => list(st.Action).includes('dynamodb:DeleteItem'))).map((f) => f.id);
    expect(deleters).toEqual(['api', 'worker', 'intake', 'sweeper']);
  });

  it('only the expiry function may send to the stream failure queue, where its mapping sends the batches it gave up on', () => {
    const failures = arn(logicalId(s.stack, s.stack.jobs.streamFailures));
    const senders = FUNCTIONS.filter((f) =>
      rolePolicy(f.id).some((st) => list(st.Action).includes('sqs:SendMessage') && JSON.stringify(list(st.Resource)).includes(JSON.stringify(failures))),
    ).map((f) => f.id);
    expect(senders).toEqual(['expiry']);
    expect(rolePolicy('expiry')).toContainEqual({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: failures });
  });

  it('only consumers may poll, and only their own queues', () => {
    for (const spec of FUNCTIONS) {
      const polled = rolePolicy(spec.id)
        .filter((st) => list(st.Action).includes('sqs:ReceiveMessage'))
        .flatMap((st) => list(st.Resource));
      expect(polled).toEqual(spec.consumes.flatMap((c) => expectedResources(`${c.queue}Queue`)));
    }
  });
});
