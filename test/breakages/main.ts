/**
 * `npm run breakages`: the breakages issue 19 names, each applied to the code that keeps an
 * invariant, with the tests that must then fail run against it (on dynalite, as `npm run
 * mutate` does). A breakage no test catches fails the script. The source is changed in place
 * and put back after each run, on Ctrl-C too; a file with uncommitted changes is refused, so
 * putting it back never loses work. `npm run mutate` measures the same thing mutant by mutant;
 * this is the short, named version of it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { BREAKAGES, applyBreakage } from './breakages.ts';

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

// A Ctrl-C reaches the vitest run too, which ends; the loop then stops, and its `finally` puts
// the file back. The runs are awaited, not synchronous: tsx kills a script whose event loop
// cannot answer a signal within 30 ms.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true;
  });
}

/** The tests' run, its JSON report on stdout; its stderr (the stacks' logs) is not shown. */
function runTests(tests: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['vitest', 'run', '--reporter=json', ...tests], {
      env: { ...process.env, STINT_TEST_DYNAMO: process.env.STINT_TEST_DYNAMO ?? 'dynalite' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', () => resolve(stdout));
  });
}

const results: Array<{ id: string; caught: boolean; failedTests: number }> = [];
for (const breakage of chosen) {
  const source = readFileSync(breakage.file, 'utf8');
  try {
    writeFileSync(breakage.file, applyBreakage(source, breakage));
    console.log(`\n▶ ${breakage.id}: ${breakage.what}\n  ${breakage.tests.join(' ')}`);
    const stdout = await runTests(breakage.tests);
    if (interrupted) break;
    const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { numFailedTests: number; numTotalTests: number };
    const caught = report.numFailedTests > 0;
    results.push({ id: breakage.id, caught, failedTests: report.numFailedTests });
    console.log(`  ${caught ? 'caught' : 'NOT CAUGHT'}: ${report.numFailedTests} of ${report.numTotalTests} tests failed`);
  } finally {
    execFileSync('git', ['checkout', '--', breakage.file]);
  }
}
if (interrupted) {
  console.error('interrupted; the file is put back');
  process.exit(130);
}

console.log(`\n${JSON.stringify({ breakages: results })}`);
process.exit(results.every((result) => result.caught) ? 0 : 1);
