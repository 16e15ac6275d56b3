import { type App, Stack, Validations } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthStint } from './synth.ts';

const variants = {
  defaults: {},
  'production with every option': {
    production: true,
    createAlarmTopic: true,
    jwtAuthorizer: { issuer: 'https://issuer.example.com/', audience: ['stint'] },
    intakeEventPattern: { source: ['com.example.orders'] },
    recordsApp: true,
  },
};

/** Every acknowledgement (suppression) recorded on the construct tree, with its reason. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id, reason }))),
    );
}

describe.each(Object.entries(variants))('cdk-nag AwsSolutions, %s', (_name, props) => {
  let app: App;
  beforeAll(() => {
    ({ app } = synthStint(props));
  });

  it('reports no unacknowledged error or warning', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} (${v.severity}) at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('gives a written reason for every acknowledgement', () => {
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(60);
  });
});

describe('cdk-nag AwsSolutions, with a customer-managed table key', () => {
  it('reports no unacknowledged error or warning', () => {
    const { app } = synthStint((a) => ({
      tableEncryptionKey: new Key(new Stack(a, 'Keys'), 'TableKey', { enableKeyRotation: true }),
    }));
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations).toEqual([]);
  });
});
