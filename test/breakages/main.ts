/**
 * `npm run breakages`: the breakages issue 19 names, each applied to the code that keeps an
 * invariant, with the tests that must then fail run against it (on dynalite, as `npm run
 * mutate` does). A breakage no test catches fails the script. The source is changed in place
 * and put back after each run, on Ctrl-C too; a file with uncommitted changes is refused, so
 * putting it back never loses work. `npm run mutate` measures the same thing mutant by mutant;
 * this is the short, named version of it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { BREAKAGES, applyBreakage, type Breakage } from './breakages.ts';

const only = process.argv.slice(2);
const chosen = only.length > 0 ? BREAKAGES.filter((breakage) => only.includes(breakage.id)) : BREAKAGES;
if (chosen.length === 0) {
  console.error(`no breakage named ${only.join(', ')}; the names: ${BREAKAGES.map((b) => b.id).join(', ')}`);
  process.exit(2);
}

const changed = execFileSync('git', ['status', '--porcelain', '--', ...new Set(chosen.map((b) => b.file))], { encoding: 'utf8' }).trim();
if (changed) {
  console.error(`commit or stash these first, the script puts them back from git's copy:\n${changed}`);
  process.exit(2);
}

let applied: Breakage | undefined;
const restore = () => {
  if (applied) execFileSync('git', ['checkout', '--', applied.file]);
  applied = undefined;
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    restore();
    process.exit(130);
  });
}

const results: Array<{ id: string; caught: boolean; failedTests: number }> = [];
for (const breakage of chosen) {
  const source = readFileSync(breakage.file, 'utf8');
  applied = breakage;
  try {
    writeFileSync(breakage.file, applyBreakage(source, breakage));
    console.log(`\n▶ ${breakage.id}: ${breakage.what}\n  ${breakage.tests.join(' ')}`);
    const run = spawnSync('npx', ['vitest', 'run', '--reporter=json', ...breakage.tests], {
      encoding: 'utf8',
      env: { ...process.env, STINT_TEST_DYNAMO: process.env.STINT_TEST_DYNAMO ?? 'dynalite' },
      maxBuffer: 256 * 1024 * 1024,
    });
    const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as { numFailedTests: number; numTotalTests: number };
    const caught = report.numFailedTests > 0;
    results.push({ id: breakage.id, caught, failedTests: report.numFailedTests });
    console.log(`  ${caught ? 'caught' : 'NOT CAUGHT'}: ${report.numFailedTests} of ${report.numTotalTests} tests failed`);
  } finally {
    restore();
  }
}

console.log(`\n${JSON.stringify({ breakages: results })}`);
process.exit(results.every((result) => result.caught) ? 0 : 1);
