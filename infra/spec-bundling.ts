import type { BuildOptions } from 'esbuild';

/**
 * How every handler is bundled. The CDK construct, the SST function args, the bundle-size
 * test and the cold-start benchmark all derive their esbuild options from this one object.
 */
export const BUNDLING = {
  minify: true,
  sourceMap: false,
  format: 'esm',
  target: 'node22',
  platform: 'node',
  /** Prefer packages' ESM builds: they tree-shake, and the AWS SDK v3 ships one. */
  mainFields: ['module', 'main'],
  /**
   * Bundle the AWS SDK instead of using the copy in the Lambda runtime: it is pinned to the
   * version we test against, and esbuild keeps only the commands the handlers import.
   */
  bundleAwsSdk: true,
  /**
   * CommonJS dependencies bundled into an ESM file still call require() for Node built-ins;
   * an ESM module has no require, so the bundle defines one.
   */
  banner: "import { createRequire as __stintCreateRequire } from 'node:module'; const require = __stintCreateRequire(import.meta.url);",
} as const;

/** esbuild options for one handler bundle, as the deployments build it. */
export function esbuildOptions(entryPoint: string): BuildOptions & { entryPoints: string[] } {
  return {
    entryPoints: [entryPoint],
    bundle: true,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    format: BUNDLING.format,
    target: BUNDLING.target,
    platform: BUNDLING.platform,
    mainFields: [...BUNDLING.mainFields],
    banner: { js: BUNDLING.banner },
    // Nothing is external: bundleAwsSdk means the SDK is bundled too.
    external: [],
    outExtension: { '.js': '.mjs' },
  };
}
