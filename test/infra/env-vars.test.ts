import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleHandler, REPO_ROOT } from '../../infra/scripts/bundle-handlers.ts';
import { DEFAULT_SETTINGS, ENV, FUNCTIONS, type FunctionId } from '../../infra/spec.ts';
import { functionArgs } from '../../infra/sst-args.ts';
import { logicalId, resourcesOfType, synthStint } from './synth.ts';

/** Set by Lambda itself, never by a deployment. */
const RUNTIME_PROVIDED = /^(AWS_|LAMBDA_|_)/;

/**
 * Environment variables the code in a bundle reads, found in its own source files (every
 * file esbuild pulled in from this repository): `process.env.X`, `env.X`, `env['X']`, and
 * `ENV.key` / `ENV['key']` of the resource spec, however the value is then looked up.
 */
function envReads(sourceFiles: string[]): Set<string> {
  const envByKey = ENV as Record<string, string>;
  const reads = new Set<string>();
  for (const file of sourceFiles) {
    const source = readFileSync(join(REPO_ROOT, file), 'utf8');
    for (const [, name] of source.matchAll(/\benv(?:\.|\[\s*['"`])([A-Z_][A-Z0-9_]*)/g)) reads.add(name!);
    for (const [, key] of source.matchAll(/\bENV(?:\.|\[\s*['"`])([a-zA-Z]+)/g)) {
      const name = envByKey[key!];
      if (name) reads.add(name);
    }
  }
  return new Set([...reads].filter((name) => !RUNTIME_PROVIDED.test(name)));
}

const reads = new Map<FunctionId, Set<string>>();
let cdkEnv: Map<FunctionId, Record<string, unknown>>;

beforeAll(() => {
  const s = synthStint();
  const functions = resourcesOfType(s.template, 'AWS::Lambda::Function');
  cdkEnv = new Map(
    FUNCTIONS.map((fn) => {
      const props = functions[logicalId(s.stack, s.stack.jobs.functions[fn.id])]?.Properties;
      return [fn.id, (props?.Environment as { Variables: Record<string, unknown> }).Variables];
    }),
  );
});

describe.each(FUNCTIONS.map((f) => [f.id, f] as const))('%s', (id, spec) => {
  beforeAll(async () => {
    const bundle = await bundleHandler(spec);
    reads.set(id, envReads(bundle.inputs.filter((file) => !file.includes('node_modules'))));
  });

  it('reads its configuration from the environment', () => {
    // Guards the scan itself: every handler loads its config through loadConfig().
    expect(reads.get(id)).toContain(ENV.tableName);
  });

  it('gets every variable it reads from the CDK construct', () => {
    const missing = [...reads.get(id)!].filter((name) => !(name in cdkEnv.get(id)!));
    expect(missing).toEqual([]);
  });

  it('gets every variable it reads from the SST args', () => {
    const refs = { tableName: 't', workQueueUrl: 'w', lowQueueUrl: 'l', bucketName: 'b' };
    const sst = functionArgs(spec, refs, DEFAULT_SETTINGS, () => []).environment;
    const missing = [...reads.get(id)!].filter((name) => !(name in sst));
    expect(missing).toEqual([]);
  });
});

it('every variable of the core ENV list is read by some handler', () => {
  const readAnywhere = new Set([...reads.values()].flatMap((r) => [...r]));
  expect(Object.values(ENV).filter((name) => !readAnywhere.has(name))).toEqual([]);
});
