import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { bundleEntry, bundleHandler } from '../infra/scripts/bundle-handlers.ts';
import { FUNCTIONS } from '../infra/spec.ts';
import { startEventTarget } from './cold-start-target.ts';

const run = promisify(execFile);

interface Sample {
  /** Spawn to exit: node's own start, the import and the event. */
  wallMs: number;
  importMs: number;
  handleMs: number;
  outcome: string;
}

/** Prefixes the child's report: the handler's own logs and EMF metrics share its stdout. */
const MARK = '@@stint-cold-start@@';

/**
 * Runs in the fresh process: imports the bundle, handles one event, reports timings. The
 * outcome (status code, failed records, error) shows the event really went through.
 */
const CHILD = `
const MARK = ${JSON.stringify(MARK)};
const [bundle, event] = [process.argv[1], JSON.parse(process.argv[2])];
const context = { functionName: 'cold-start', awsRequestId: 'cold-start', getRemainingTimeInMillis: () => 60000 };
const t0 = performance.now();
const { handler } = await import(bundle);
const t1 = performance.now();
let outcome;
try {
  const result = await handler(event, context);
  outcome = result?.statusCode !== undefined ? 'HTTP ' + result.statusCode
    : Array.isArray(result?.batchItemFailures) ? result.batchItemFailures.length + ' failed records'
    : 'ok';
} catch (error) {
  outcome = 'threw ' + (error?.name ?? 'error');
}
const t2 = performance.now();
process.stdout.write('\\n' + MARK + JSON.stringify({ importMs: t1 - t0, handleMs: t2 - t1, outcome }) + '\\n');
process.exit(0);
`;

/** Asynchronous on purpose: the emulators answer the child's requests from this process's event loop. */
async function coldStart(outfile: string, env: Record<string, string>, event: unknown): Promise<Sample> {
  const started = performance.now();
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHILD, pathToFileURL(outfile).href, JSON.stringify(event)], {
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  const wallMs = performance.now() - started;
  const report = stdout.split('\n').findLast((line) => line.startsWith(MARK));
  if (!report) throw new Error(`no report from the cold-start child of ${outfile}`);
  return { wallMs, ...(JSON.parse(report.slice(MARK.length)) as Omit<Sample, 'wallMs'>) };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round = (n: number) => Math.round(n * 10) / 10;

/**
 * Cold start of each handler bundle, built with the deployments' esbuild settings, beside a
 * hello-world bundle built the same way in the same run: median of `runs` fresh node
 * processes, each importing the bundle and handling one event against the local emulators.
 * The hello-world row is the floor (node's start-up); the difference is Stint's own cost.
 */
export async function runColdStartBench(runs = Number(process.env.BENCH_COLD_START_RUNS ?? 7)): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'stint-cold-start-'));
  const target = await startEventTarget();
  try {
    const helloEntry = join(dir, 'hello.ts');
    writeFileSync(helloEntry, "export const handler = async () => ({ statusCode: 200, body: 'hello' });\n");
    const bundles = [
      { id: 'hello-world', ...(await bundleEntry(helloEntry, join(dir, 'hello-world'))), env: {}, event: {} },
      ...(await Promise.all(
        FUNCTIONS.map(async (fn) => ({
          ...(await bundleHandler(fn, join(dir, fn.id))),
          env: target.env(fn),
          event: target.event(fn.id),
        })),
      )),
    ];
    const results: Record<string, unknown> = {};
    for (const bundle of bundles) {
      const samples: Sample[] = [];
      for (let i = 0; i < runs; i++) samples.push(await coldStart(bundle.outfile!, bundle.env, bundle.event));
      results[bundle.id] = {
        bundleKiB: round(bundle.bytes / 1024),
        importMs: round(median(samples.map((s) => s.importMs))),
        firstEventMs: round(median(samples.map((s) => s.handleMs))),
        wallMs: round(median(samples.map((s) => s.wallMs))),
        outcomes: [...new Set(samples.map((s) => s.outcome))],
      };
    }
    return { runs, statistic: 'median', results };
  } finally {
    await target.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
