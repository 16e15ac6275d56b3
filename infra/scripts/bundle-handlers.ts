/**
 * Bundles the handlers exactly as the deployments do (esbuild with infra/spec-bundling.ts)
 * and reports their sizes against the budgets in infra/spec.ts. The bundle-size test and the
 * cold-start benchmark build through here. Run: `npx tsx infra/scripts/bundle-handlers.ts`.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { REPO_ROOT } from '../repo-root.ts';
import { esbuildOptions, FUNCTIONS, type FunctionSpec } from '../spec.ts';

export interface HandlerBundle {
  id: string;
  bytes: number;
  budgetBytes: number;
  /** Source files in the bundle, relative to the repository root. */
  inputs: string[];
  /** Where the bundle was written, when an output directory was given. */
  outfile?: string;
}

/** Bundles one entry (absolute path). With `outdir` the bundle is written there as `<name>.mjs`. */
export async function bundleEntry(entry: string, outdir?: string): Promise<{ bytes: number; inputs: string[]; outfile?: string }> {
  const result = await build({
    ...esbuildOptions(entry),
    absWorkingDir: REPO_ROOT,
    metafile: true,
    logLevel: 'silent',
    ...(outdir ? { outdir, entryNames: '[name]', write: true } : { write: false }),
  });
  const inputs = Object.keys(result.metafile.inputs);
  if (outdir) {
    const [outfile] = Object.keys(result.metafile.outputs).map((o) => join(REPO_ROOT, o));
    if (!outfile) throw new Error(`esbuild wrote nothing for ${entry}`);
    return { bytes: statSync(outfile).size, inputs, outfile };
  }
  const [output] = result.outputFiles ?? [];
  if (!output) throw new Error(`esbuild produced nothing for ${entry}`);
  return { bytes: output.contents.byteLength, inputs };
}

export async function bundleHandler(fn: FunctionSpec, outdir?: string): Promise<HandlerBundle> {
  const bundle = await bundleEntry(join(REPO_ROOT, fn.entry), outdir);
  return { id: fn.id, budgetBytes: fn.bundleBudgetKb * 1024, ...bundle };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  for (const fn of FUNCTIONS) {
    try {
      const { bytes, budgetBytes } = await bundleHandler(fn);
      console.log(`${fn.id.padEnd(8)} ${kb(bytes).padStart(11)} of ${kb(budgetBytes)}${bytes > budgetBytes ? '  OVER BUDGET' : ''}`);
    } catch (error) {
      process.exitCode = 1;
      console.log(`${fn.id.padEnd(8)} failed: ${(error as Error).message.split('\n').slice(0, 2).join(' ')}`);
    }
  }
}
