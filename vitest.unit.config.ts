import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * `npm run test:unit`: the tests that start no emulator, no browser and no process, for a
 * run in seconds while editing. `npm test` (vitest.config.ts) runs these and all the others.
 * A new test file belongs here only if nothing it imports starts one (startEmulators,
 * createTestStack, useApiStack, useAppStack, startWebStack, startEmulatedApp, a browser,
 * child_process, esbuild's service).
 */
export const UNIT_TESTS = [
  'packages/*/src/**/*.test.ts',
  'examples/*/src/**/*.test.ts',
  // The bench's pure parts (ceiling math, key classes); the benches themselves are not tests.
  'bench/**/*.test.ts',
  'test/breakages/breakages.test.ts',
  'test/infra/check-sst.test.ts',
  'test/infra/deploy-settings.test.ts',
  'test/infra/intake-schema.test.ts',
  'test/infra/spec.test.ts',
  'test/infra/sst-args.test.ts',
  'test/security/app-registration.test.ts',
];

/** Colocated tests that run the example app's jobs against emulators (`startEmulatedApp`). */
const EMULATED_COLOCATED = [
  'examples/records-app/src/delete-and-listener.test.ts',
  'examples/records-app/src/execute-action.test.ts',
  'examples/records-app/src/import-export.test.ts',
  'examples/records-app/src/purge-exports.test.ts',
  'examples/records-app/src/record-store.test.ts',
];

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: UNIT_TESTS,
    exclude: [...EMULATED_COLOCATED, '**/node_modules/**'],
    // Loading zod, the AWS SDK and CDK once per worker instead of once per file cuts the run
    // from about 60 s of CPU to 15. These tests keep no state between files (no mocks of
    // modules, no environment changes); `npm test` still runs each file in its own context.
    pool: 'threads',
    isolate: false,
  },
});
