import type { Context } from 'hono';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}

/**
 * Whether a request plausibly comes from our own pages. Browsers send Sec-Fetch-Site on
 * every request and Origin on every non-GET fetch, so a cross-site form or fetch is caught by
 * either; a request with neither header is not from a current browser and has no cookie to
 * abuse (SameSite=Strict), so it passes here and still needs the CSRF token.
 */
export function isSameOrigin(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = c.req.header('origin');
  return origin === undefined || origin === new URL(c.req.url).origin;
}
