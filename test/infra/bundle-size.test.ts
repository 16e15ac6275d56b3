import { describe, expect, it } from 'vitest';
import { bundleHandler } from '../../infra/scripts/bundle-handlers.ts';
import { FUNCTIONS } from '../../infra/spec.ts';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

describe.each(FUNCTIONS.map((f) => [f.id, f] as const))('%s bundle', (_id, spec) => {
  it(`stays within its budget of ${spec.bundleBudgetKb} KiB (minified, AWS SDK included)`, async () => {
    const bundle = await bundleHandler(spec);
    console.info(`${spec.id}: ${kib(bundle.bytes)} of ${kib(bundle.budgetBytes)}`);
    expect(bundle.bytes, `${spec.id} bundle is ${kib(bundle.bytes)}`).toBeLessThanOrEqual(bundle.budgetBytes);
  });
});
