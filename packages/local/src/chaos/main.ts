/**
 * `npm run chaos`: the whole local stack under random jobs, operations and SIGKILLs, then
 * checked for lost, stuck, doubled and missing work and counter drift. Not part of
 * `npm test` (it takes minutes). Prints one summary line and its figures as JSON, writes
 * the full JSON report, and exits non-zero when any check counts a fault.
 *
 *   npm run chaos -- --seed 7 --duration 180 --kills 8
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runChaos, summaryLine, summaryOf } from './chaos-run.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Ctrl-C ends the run through process.exit, whose 'exit' handlers kill the stack's group.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    duration: { type: 'string', default: '180' },
    kills: { type: 'string' },
    'quiesce-max': { type: 'string', default: '180' },
    'no-settle': { type: 'boolean', default: false },
    'keep-data': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

function whole(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

const seed = whole('seed', values.seed, 0, 2 ** 31 - 1) ?? Math.floor(Math.random() * 1_000_000);
const durationMs = whole('duration', values.duration, 30, 3_600)! * 1000;
// 6–10 kills unless told, drawn from the seed like everything else.
const kills = whole('kills', values.kills, 0, 50) ?? 6 + (seed % 5);
const repository = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

const report = await runChaos({
  seed,
  durationMs,
  kills,
  pauseMs: [60, 300],
  quiesceMaxMs: whole('quiesce-max', values['quiesce-max'], 10, 3_600)! * 1000,
  settle: !values['no-settle'],
  cwd: repository,
  keepData: values['keep-data'],
  log: (line) => console.log(`chaos: ${line}`),
});

const out = values.out ?? join(repository, 'bench/results', `chaos-${seed}.json`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
for (const finding of report.findings.slice(0, 30)) {
  console.log(`  ${finding.check} ${finding.jobId ?? finding.tenant ?? ''}: ${finding.detail}${finding.diagnosis ? `\n      ${finding.diagnosis}` : ''}`);
}
console.log(`report: ${out}`);
console.log(summaryLine(report));
console.log(JSON.stringify(summaryOf(report)));
const failed = Object.values(report.counts).some((count) => count > 0);
process.exit(failed ? 1 : 0);
