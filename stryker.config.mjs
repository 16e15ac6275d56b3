// Mutation testing (`npm run mutate`, see DEVELOPERS.md): how well the tests catch a change to
// the code that keeps the invariants. Not part of `npm test`: a full run takes hours.
import { resolve } from 'node:path';

/** The invariant-keeping code: the engine, the store layer, auth and schedule firing. */
const ALL = [
  'packages/core/src/engine/**/*.ts',
  'packages/core/src/store/**/*.ts',
  'packages/core/src/auth/**/*.ts',
  'packages/core/src/schedules/schedule-firing.ts',
];

/** `STINT_MUTATE=packages/core/src/auth` (folders or globs, comma-separated) narrows a run. */
const narrowed = (process.env.STINT_MUTATE ?? '')
  .split(',')
  .map((entry) => entry.trim().replace(/\/$/, ''))
  .filter(Boolean)
  .map((entry) => (/[*.]/.test(entry.split('/').pop() ?? '') ? entry : `${entry}/**/*.ts`));

// The sandbox Stryker copies the repo into leaves out the emulator cache; the tests find
// DynamoDB Local's jar here instead of downloading it again. One DynamoDB emulator is enough to
// tell a killed mutant from a survivor, and dynalite starts in a fraction of the time.
process.env.STINT_CACHE_DIR ??= resolve('.cache');
process.env.STINT_TEST_DYNAMO ??= 'dynalite';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Only the test files that import the mutated code, and per mutant only the tests that ran
  // its line (perTest coverage): the machine has 2 cores, shared.
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  coverageAnalysis: 'perTest',
  concurrency: 1,
  mutate: [...(narrowed.length > 0 ? narrowed : ALL), '!**/*.test.ts'],
  // Results are kept per file and test content, so a re-run mutates only what changed.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  ignorePatterns: ['.cache', '.stint', 'cdk.out', '.sst', 'test-output', 'reports', 'bench/results'],
  // Emulator-backed tests are slow to start on a loaded machine.
  timeoutMS: 60_000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
