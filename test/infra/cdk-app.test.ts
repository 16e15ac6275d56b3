import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/repo-root.ts';

/**
 * Runs infra/cdk/app.ts the way `npx cdk synth -c stage=prod` does (the CLI passes context
 * and the output directory through these variables): offline, bundling with the local
 * esbuild, and with the cdk-nag plugin failing the synth on any unacknowledged finding.
 */
const outdir = mkdtempSync(join(tmpdir(), 'stint-cdk-app-'));
type Template = {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  Outputs: Record<string, { Value: unknown }>;
};
let template: Template;

beforeAll(async () => {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'infra/cdk/app.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ stage: 'prod' }),
      STINT_DEPLOY_CREATE_ALARM_TOPIC: 'true',
      STINT_DEPLOY_OIDC_ISSUER: 'https://issuer.example.com/',
      STINT_DEPLOY_OIDC_AUDIENCE: 'stint',
      STINT_DEPLOY_RETENTION_DAYS: '90',
    },
  });
  template = JSON.parse(readFileSync(join(outdir, 'Stint-prod.template.json'), 'utf8')) as Template;
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the CDK app, stage prod', () => {
  it('synthesizes with every handler bundled', () => {
    const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
    // api, worker, intake, sweeper and expiry.
    expect(assets).toHaveLength(5);
    for (const asset of assets) expect(existsSync(join(outdir, asset, 'index.mjs'))).toBe(true);
  });

  it('is a production stack: the table is deletion-protected', () => {
    const table = Object.values(template.Resources).find((r) => r.Type === 'AWS::DynamoDB::Table');
    expect(table?.Properties.DeletionProtectionEnabled).toBe(true);
  });

  it('passes the STINT_DEPLOY_ settings to the functions and alarms', () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    const variables = functions.map((f) => (f.Properties.Environment as { Variables: Record<string, string> }).Variables);
    expect(variables.every((v) => v.STINT_RETENTION_DAYS === '90')).toBe(true);
    expect(variables.filter((v) => v.STINT_OIDC_ISSUER === 'https://issuer.example.com/')).toHaveLength(1);
    // The alarm topic asked for, beside the report topic.
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::SNS::Topic')).toHaveLength(2);
  });

  it('outputs the report topic every function publishes to', () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    const topic = template.Outputs.ReportTopicArn?.Value;
    expect(topic).toBeDefined();
    for (const fn of functions) {
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.STINT_REPORT_TOPIC_ARN).toEqual(topic);
    }
  });
});
