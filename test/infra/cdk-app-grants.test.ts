/**
 * The grants and bindings of the app layer (issue 11): what the example records app's jobs may
 * do in S3, and which tenants intake producers may submit into.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, ENV, functionSpec } from '../../infra/spec.ts';
import { functionArgs } from '../../infra/sst-args.ts';
import { logicalId, resourcesOfType, synthStint, type Synthesized } from './synth.ts';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function statementsOf(s: Synthesized, fn: 'api' | 'worker' | 'intake' | 'sweeper'): Statement[] {
  const roleId = logicalId(s.stack, s.stack.jobs.functions[fn].role!);
  return Object.values(resourcesOfType(s.template, 'AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties?.Roles).includes(roleId))
    .flatMap((p) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
}

function environmentOf(s: Synthesized, fn: 'api' | 'worker' | 'intake' | 'sweeper'): Record<string, unknown> {
  const props = resourcesOfType(s.template, 'AWS::Lambda::Function')[logicalId(s.stack, s.stack.jobs.functions[fn])]?.Properties;
  return (props!.Environment as { Variables: Record<string, unknown> }).Variables;
}

const s3Actions = (statements: Statement[]) => statements.flatMap((st) => list(st.Action)).filter((a) => a.startsWith('s3:'));

describe('the example records app’s grants', () => {
  let on: Synthesized;
  let off: Synthesized;
  // One synthesis per hook: each takes tens of seconds on a loaded machine.
  beforeAll(() => {
    on = synthStint({ recordsApp: true });
  });
  // biome-ignore lint/suspicious/noDuplicateTestHooks: two hooks, so each synthesis has its own hook timeout.
  beforeAll(() => {
    off = synthStint();
  });

  it('let the worker list the export folder only, and delete in it only', () => {
    const bucket = { 'Fn::GetAtt': [logicalId(on.stack, on.stack.jobs.bucket), 'Arn'] };
    const worker = statementsOf(on, 'worker');
    expect(worker.filter((st) => list(st.Action).includes('s3:ListBucket'))).toEqual([
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucket, Condition: { StringLike: { 's3:prefix': ['exports/*'] } } },
    ]);
    expect(worker.filter((st) => list(st.Action).includes('s3:DeleteObject'))).toEqual([
      { Effect: 'Allow', Action: 's3:DeleteObject', Resource: { 'Fn::Join': ['', [bucket, '/exports/*']] } },
    ]);
  });

  it('are the same in the SST deployment', () => {
    const refs = { tableName: 't', workQueueUrl: 'w', lowQueueUrl: 'l', bucketName: 'b', sessionSecretArn: 's' };
    const permissions = functionArgs(functionSpec('worker'), refs, { ...DEFAULT_SETTINGS, recordsApp: true }, (name) => [`arn:${name}`]).permissions;
    expect(permissions.filter((p) => p.actions.some((a) => a === 's3:ListBucket' || a === 's3:DeleteObject'))).toEqual([
      { actions: ['s3:ListBucket'], resources: ['arn:exportBucket'], conditions: [{ test: 'StringLike', variable: 's3:prefix', values: ['exports/*'] }] },
      { actions: ['s3:DeleteObject'], resources: ['arn:exportFiles'] },
    ]);
  });

  it('go to the worker alone, and only when the deployment registers the app', () => {
    for (const fn of ['api', 'intake', 'sweeper'] as const) {
      expect(s3Actions(statementsOf(on, fn)).filter((a) => a === 's3:ListBucket' || a === 's3:DeleteObject')).toEqual([]);
    }
    expect(s3Actions(statementsOf(off, 'worker')).filter((a) => a === 's3:ListBucket' || a === 's3:DeleteObject')).toEqual([]);
    expect(environmentOf(on, 'worker')[ENV.recordsApp]).toBe('true');
    for (const fn of ['api', 'worker', 'intake', 'sweeper'] as const) expect(environmentOf(off, fn)[ENV.recordsApp]).toBe('false');
  });
});

describe('the intake binding', () => {
  it('defaults to any producer, into the default tenant only', () => {
    const s = synthStint({ defaultTenant: 'main' });
    expect(JSON.parse(environmentOf(s, 'intake')[ENV.intakeTenants] as string)).toEqual({ '*': ['main'] });
  });

  it('binds the role grantSubmit is given by its unique id, the sender id SQS reports', () => {
    const s = synthStint(
      { intakeTenants: { '*': [] } },
      {
        extend: (stack) => {
          const orders = new iam.Role(stack, 'OrdersRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
          stack.jobs.grantSubmit(orders, { tenants: ['acme'] });
          stack.jobs.grantSubmit(new iam.Role(stack, 'OpsRole', { assumedBy: new iam.AccountRootPrincipal() }), {
            tenants: ['acme', 'globex'],
            producerId: 'AROAOPS',
          });
        },
      },
    );
    const value = JSON.stringify(environmentOf(s, 'intake')[ENV.intakeTenants]);
    const ordersId = logicalId(s.stack, s.stack.node.findChild('OrdersRole') as iam.Role);
    expect(value).toContain(`{\\"Fn::GetAtt\\":[\\"${ordersId}\\",\\"RoleId\\"]}`.replaceAll('\\"', '"'));
    expect(value).toContain('\\"*\\":[]');
    expect(value).toContain('\\"AROAOPS\\":[\\"acme\\",\\"globex\\"]');
    expect(value).toContain('[\\"acme\\"]');
  });

  it('needs the id of a role it cannot see', () => {
    expect(() =>
      synthStint(
        {},
        { extend: (stack) => stack.jobs.grantSubmit(iam.Role.fromRoleArn(stack, 'Imported', 'arn:aws:iam::111122223333:role/x'), { tenants: ['acme'] }) },
      ),
    ).toThrow(/producerId/);
  });
});
