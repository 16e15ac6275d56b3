import type { MiddlewareHandler } from 'hono';
import { monitorSecurityHeaders } from '@stint/web';
import { DOCS_STYLE_HASH } from './docs-page.ts';

/**
 * The monitor's headers (nosniff, its CSP and frame rules), on every api response: the HTML
 * of /api/docs needs them as the monitor's pages do (its one inline style is admitted by
 * hash), and JSON loses nothing under them.
 */
export const apiSecurityHeaders = (): MiddlewareHandler => monitorSecurityHeaders([DOCS_STYLE_HASH]);

/**
 * Every /api answer is for the principal that asked, so neither a browser's cache nor a shared
 * one may keep it. A route that says otherwise keeps its own Cache-Control.
 */
export const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
};
