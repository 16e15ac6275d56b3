import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { DOCS_STYLE } from './docs-page.ts';

/**
 * Headers on every /api answer, errors included. Bodies are declared, never sniffed; JSON is
 * per caller (credentials select the tenant), so no shared or browser cache may keep it. The
 * one HTML page (/api/docs) gets the monitor's rules: nothing inline runs (its one stylesheet
 * is allowed by hash, no script at all), no framing, no referrer off the origin.
 */
export function apiSecurityHeaders(): MiddlewareHandler {
  const styleHash = createHash('sha256').update(DOCS_STYLE).digest('base64');
  const policy = [
    "default-src 'none'",
    `style-src 'sha256-${styleHash}'`,
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    headers.set('X-Content-Type-Options', 'nosniff');
    headers.set('Cache-Control', 'no-store');
    if ((headers.get('content-type') ?? '').startsWith('text/html')) {
      headers.set('Content-Security-Policy', policy);
      headers.set('X-Frame-Options', 'DENY');
      headers.set('Referrer-Policy', 'same-origin');
    }
  };
}
