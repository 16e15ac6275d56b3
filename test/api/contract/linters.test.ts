import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useApiStack, type ApiStack } from '../api-stack.ts';
import { fetchDocument } from './document.ts';

/**
 * The document the app serves passes both standard OpenAPI linters with no error and no
 * warning. They run as their own CLIs (dev dependencies, offline: no telemetry, no update
 * check, rulesets from this folder) on the document as a deployment serves it.
 */

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const REDOCLY = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
const SPECTRAL = join(dirname(require.resolve('@stoplight/spectral-cli/package.json')), 'dist', 'index.js');
/** Each CLI takes 1–3 s of CPU; on a machine shared by many test runs, its wall time can be far longer. */
const LINT_TIMEOUT = 300_000;
const OFFLINE = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };

let api: ApiStack;
useApiStack((stack) => (api = stack));

let dir: string;
let documentPath: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stint-openapi-'));
  documentPath = join(dir, 'openapi.json');
  writeFileSync(documentPath, JSON.stringify(await fetchDocument(api), null, 2));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface RedoclyProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: Array<{ pointer: string }>;
}

describe('the served OpenAPI document', () => {
  it(
    'passes Redocly’s recommended ruleset with 0 errors and 0 warnings',
    async () => {
      const { stdout } = await run(process.execPath, [REDOCLY, 'lint', '--config', join(here, 'redocly.yaml'), '--format', 'json', documentPath], {
        env: OFFLINE,
      }).catch((failure: { stdout: string }) => failure);
      const { problems } = JSON.parse(stdout) as { problems: RedoclyProblem[] };
      const found = problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
      expect(found).toEqual([]);
    },
    LINT_TIMEOUT,
  );

  it(
    'passes Spectral’s spectral:oas ruleset with 0 errors and 0 warnings',
    async () => {
      const { stdout } = await run(
        process.execPath,
        [SPECTRAL, 'lint', '--ruleset', join(here, 'spectral.yaml'), '--format', 'json', '--quiet', documentPath],
        {
          env: OFFLINE,
        },
      ).catch((failure: { stdout: string }) => failure);
      const problems = JSON.parse(stdout || '[]') as Array<{ code: string; severity: number; message: string; path: string[] }>;
      expect(problems.map((p) => `${p.severity === 0 ? 'error' : 'warning'} ${p.code} at ${p.path.join('.')}: ${p.message}`)).toEqual([]);
    },
    LINT_TIMEOUT,
  );

  it(
    'is linted for real: a document with the faults the linters were brought in for is refused',
    async () => {
      const broken = join(dir, 'broken.json');
      const document = JSON.parse(JSON.stringify(await fetchDocument(api))) as {
        info: Record<string, unknown>;
        servers?: unknown;
        paths: Record<string, Record<string, Record<string, unknown>>>;
      };
      delete document.info.license;
      delete document.servers;
      delete document.paths['/api/jobs']!.get!.operationId;
      writeFileSync(broken, JSON.stringify(document));
      const redocly = await run(process.execPath, [REDOCLY, 'lint', '--config', join(here, 'redocly.yaml'), '--format', 'json', broken], {
        env: OFFLINE,
      }).catch((failure: { stdout: string }) => failure);
      const rules = (JSON.parse(redocly.stdout) as { problems: RedoclyProblem[] }).problems.map((p) => p.ruleId);
      expect(rules).toEqual(expect.arrayContaining(['info-license', 'no-empty-servers', 'operation-operationId']));
      const spectral = await run(process.execPath, [SPECTRAL, 'lint', '--ruleset', join(here, 'spectral.yaml'), '--format', 'json', '--quiet', broken], {
        env: OFFLINE,
      }).catch((failure: { stdout: string }) => failure);
      const codes = (JSON.parse(spectral.stdout) as Array<{ code: string }>).map((p) => p.code);
      expect(codes).toEqual(expect.arrayContaining(['oas3-api-servers', 'operation-operationId']));
    },
    2 * LINT_TIMEOUT,
  );
});
