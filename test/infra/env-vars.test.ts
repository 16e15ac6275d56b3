import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRASH_POINT_ENV } from '@stint/core/crash-points';
import { REPO_ROOT } from '../../infra/repo-root.ts';
import { bundleHandler } from '../../infra/scripts/bundle-handlers.ts';
import { DEFAULT_SETTINGS, ENV, FUNCTIONS, functionEnvironment, type FunctionId } from '../../infra/spec.ts';
import { functionArgs } from '../../infra/sst-args.ts';
import { logicalId, resourcesOfType, synthStint, TEST_REFS } from './synth.ts';

/**
 * Which environment variables each handler reads is derived from its code, two ways:
 * - loading its bundle in a fresh node process whose `process.env` records every name read
 *   (catches lookups through tables such as ENV or AUTH_ENV, however indirect), kept when the
 *   name is written in the repository's own sources in that bundle (library internals, such
 *   as Powertools' optional switches, are not Stint configuration);
 * - scanning those sources for `process.env.X` / `env.X` / `env['X']`, which also catches
 *   variables only read while handling an event.
 */

/** Set by Lambda itself, never by a deployment. */
const RUNTIME_PROVIDED = /^(AWS_|LAMBDA_|_)/;
/** Arm a process for a crash test (crash-points.ts); a deployment never sets them. */
const TEST_ONLY = new Set<string>(CRASH_POINT_ENV);

function namesReadOnLoad(bundle: string, env: Record<string, string>): string[] {
  const script = `
    const seen = new Set();
    process.env = new Proxy(process.env, {
      get: (target, key) => (typeof key === 'string' && seen.add(key), Reflect.get(target, key)),
      has: (target, key) => (typeof key === 'string' && seen.add(key), Reflect.has(target, key)),
    });
    await import(${JSON.stringify(pathToFileURL(bundle).href)});
    process.stdout.write(JSON.stringify([...seen]));
    process.exit(0);
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', ...env },
    encoding: 'utf8',
  });
  return JSON.parse(output) as string[];
}

function namesInSource(source: string): string[] {
  return [...source.matchAll(/\benv(?:\.|\[\s*['"`])([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!);
}

const reads = new Map<FunctionId, Set<string>>();
let cdkEnv: Map<FunctionId, Record<string, unknown>>;
const outdir = mkdtempSync(join(tmpdir(), 'stint-env-'));

beforeAll(() => {
  const s = synthStint();
  const functions = resourcesOfType(s.template, 'AWS::Lambda::Function');
  cdkEnv = new Map(
    FUNCTIONS.map((fn) => {
      const props = functions[logicalId(s.stack, s.stack.jobs.functions[fn.id])]?.Properties;
      return [fn.id, (props!.Environment as { Variables: Record<string, unknown> }).Variables];
    }),
  );
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe.each(FUNCTIONS.map((f) => [f.id, f] as const))('%s', (id, spec) => {
  beforeAll(async () => {
    const bundle = await bundleHandler(spec, join(outdir, id));
    const sources = bundle.inputs.filter((file) => !file.includes('node_modules')).map((file) => readFileSync(join(REPO_ROOT, file), 'utf8'));
    const ownText = sources.join('\n');
    const env = functionEnvironment(spec, TEST_REFS, DEFAULT_SETTINGS) as Record<string, string>;
    const loaded = namesReadOnLoad(bundle.outfile!, env).filter((name) => ownText.includes(name));
    const scanned = sources.flatMap(namesInSource);
    reads.set(id, new Set([...loaded, ...scanned].filter((name) => !RUNTIME_PROVIDED.test(name) && !TEST_ONLY.has(name))));
  });

  it('reads its configuration from the environment', () => {
    // Guards the derivation itself: every handler loads its config through loadConfig().
    expect(reads.get(id)).toContain(ENV.tableName);
  });

  it('gets every variable it reads from the CDK construct', () => {
    const missing = [...reads.get(id)!].filter((name) => !(name in cdkEnv.get(id)!));
    expect(missing).toEqual([]);
  });

  it('gets every variable it reads from the SST args', () => {
    const sst = functionArgs(spec, TEST_REFS, DEFAULT_SETTINGS, () => []).environment;
    const missing = [...reads.get(id)!].filter((name) => !(name in sst));
    expect(missing).toEqual([]);
  });
});

it('every variable of the core ENV list is read by some handler', () => {
  const readAnywhere = new Set([...reads.values()].flatMap((r) => [...r]));
  expect(Object.values(ENV).filter((name) => !readAnywhere.has(name))).toEqual([]);
});
