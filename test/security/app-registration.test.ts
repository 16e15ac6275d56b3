/**
 * Issue 11, item 2 (and issue 13's app seam): a deployment runs the job types its owner
 * registers in stint.app.ts; the example records app is one of them only when asked for.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRuntime } from '@stint/functions/runtime';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/repo-root.ts';
import stintApp from '../../stint.app.ts';
import { TEST_REFS } from '../infra/synth.ts';
import { engineInternals } from '@stint/core/testing';

const config = {
  tableName: TEST_REFS.tableName,
  workQueueUrl: TEST_REFS.workQueueUrl,
  lowQueueUrl: TEST_REFS.lowQueueUrl,
  bucketName: TEST_REFS.bucketName,
  sliceBudgetMs: 30_000,
  leaseMs: 60_000,
  maxInFlightPerRoot: 4,
  retentionDays: 30,
};
const RECORDS_TYPES = ['APPROVED_EXPORT', 'DELETE_RECORDS', 'EXECUTE_ACTION', 'EXECUTE_LISTENER', 'EXPORT_RECORDS', 'IMPORT_RECORDS', 'PURGE_EXPORTS'];

/** Job types and schedules of a handler's runtime, built as the Lambda entry builds it, from its environment. */
/**
 * The job types besides Stint's own system types, and the schedules, of a handler's runtime,
 * built as the Lambda entries build it, from its environment.
 */
function registered(env: Record<string, string>) {
  const { registry, engine } = createRuntime({ app: stintApp, env: { AWS_REGION: 'us-east-1', ...env }, config });
  return {
    types: registry.types().filter((type) => !registry.get(type)!.system),
    schedules: engineInternals(engine)
      .schedules.catalog.all()
      .map((s) => s.id),
  };
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('issue 11 item 2: the example app is an example', () => {
  it('runs Stint’s own job types only, unless the deployment registers the records app', () => {
    expect(registered({})).toEqual({ types: [], schedules: [] });
    expect(registered({ STINT_RECORDS_APP: 'false' })).toEqual({ types: [], schedules: [] });
    expect(registered({ STINT_RECORDS_APP: 'true' })).toEqual({ types: RECORDS_TYPES, schedules: ['exports-cleanup', 'nightly-export'] });
  });

  it('keeps the records app out of packages/functions: only the Lambda entries load the root stint.app.ts', () => {
    const dir = join(REPO_ROOT, 'packages/functions');
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).not.toContain('records-app');
    const importing = sources(join(dir, 'src')).filter((file) => readFileSync(file, 'utf8').includes('@stint/records-app'));
    expect(importing).toEqual([]);
    const entries = readdirSync(join(dir, 'src/lambda'));
    for (const entry of entries) expect(readFileSync(join(dir, 'src/lambda', entry), 'utf8')).toContain("from '../../../../stint.app.ts'");
  });
});
