import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env, Hono } from 'hono';

/**
 * The monitor's static files: its own (packages/web/assets: CSS, the hand-written page
 * scripts) and uPlot from node_modules, served by the monitor itself because the monitor must work
 * where no CDN is reachable. A bundled deployment has neither next to its code: it copies each
 * of `webAssetFiles()` to `<dir>/<url without /assets/>` and passes that dir as `assetsDir`.
 */
const OWN_DIR = fileURLToPath(new URL('../assets/', import.meta.url));
const VENDOR: Record<string, string> = {
  'uPlot.esm.js': 'uplot/dist/uPlot.esm.js',
  'uPlot.min.css': 'uplot/dist/uPlot.min.css',
};

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface AssetFile {
  /** Path the browser asks for. */
  url: string;
  file: string;
}

/** Every servable file under `dir`, by URL. */
function filesIn(dir: string, prefix = '/assets/'): AssetFile[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return filesIn(join(dir, entry.name), `${prefix}${entry.name}/`);
    return TYPES[extname(entry.name)] ? [{ url: `${prefix}${entry.name}`, file: join(dir, entry.name) }] : [];
  });
}

/** The files the monitor serves: from `assetsDir` when given, else from the source tree and node_modules. */
export function webAssetFiles(assetsDir?: string): AssetFile[] {
  if (assetsDir !== undefined) return filesIn(assetsDir);
  const require = createRequire(import.meta.url);
  return [...filesIn(OWN_DIR), ...Object.entries(VENDOR).map(([name, module]) => ({ url: `/assets/vendor/${name}`, file: require.resolve(module) }))];
}

interface Loaded {
  body: string;
  type: string;
  etag: string;
}

export function assetRoutes<E extends Env>(pages: Hono<E>, assetsDir?: string): void {
  let files: Map<string, Loaded> | undefined;
  // Read once, on the first asset request: a few small files, and no disk access per request.
  const load = () =>
    (files ??= new Map(
      webAssetFiles(assetsDir).map(({ url, file }) => {
        const body = readFileSync(file, 'utf8');
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
        return [url, { body, type: TYPES[extname(file)]!, etag }];
      }),
    ));

  pages.get('/assets/*', (c) => {
    const asset = load().get(c.req.path);
    if (asset === undefined) return c.text('Not found', 404);
    // File names carry no version, so the browser revalidates each time and gets 304 while unchanged.
    c.header('Cache-Control', 'no-cache');
    c.header('ETag', asset.etag);
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
    c.header('Content-Type', asset.type);
    return c.body(asset.body, 200);
  });
}
