import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * The test config `npm run mutate` runs. Stryker copies the repo into a sandbox but links
 * node_modules back to the original, where `@stint/*` point at the original, unmutated sources:
 * the aliases send those imports to the sandbox's own (mutated) packages instead.
 */
const root = dirname(fileURLToPath(import.meta.url));
/** Each package's `exports` as aliases into the sandbox: exact entries first, then its `./*` pattern. */
const aliases = ['packages', 'examples'].flatMap((dir) =>
  readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(root, dir, name);
    const manifest = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as { name: string; exports: Record<string, string> };
    return Object.entries(manifest.exports).map(([entry, target]) => {
      const specifier = `${manifest.name}${entry.slice(1)}`;
      return entry.includes('*')
        ? { find: new RegExp(`^${specifier.replace('*', '(.*)')}$`), replacement: join(path, target.replace('*', '$1')) }
        : { find: new RegExp(`^${specifier}$`), replacement: join(path, target) };
    });
  }),
);

/** `STINT_MUTATE_TESTS=packages/core/src/auth,test/api/auth.test.ts` narrows the test files a run may use. */
const tests = (process.env.STINT_MUTATE_TESTS ?? '')
  .split(',')
  .map((entry) => entry.trim().replace(/\/$/, ''))
  .filter(Boolean)
  .map((entry) => (entry.endsWith('.ts') ? entry : `${entry}/**/*.test.ts`));

export default defineConfig({
  ...base,
  resolve: {
    alias: aliases,
  },
  test: { ...base.test, ...(tests.length > 0 ? { include: tests } : {}) },
});
