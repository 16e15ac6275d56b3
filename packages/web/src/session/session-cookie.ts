import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

/**
 * Over HTTPS the cookie gets the `__Host-` prefix: the browser then insists on Secure, Path=/
 * and no Domain, so a sibling subdomain cannot plant or shadow it. Plain-HTTP loopback (the
 * local stack) cannot hold a Secure cookie in every browser, so it uses the bare name.
 */
const SECURE_NAME = '__Host-stint-session';
const LOCAL_NAME = 'stint-session';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isSecureRequest(c: Context, forced: boolean | undefined): boolean {
  if (forced !== undefined) return forced;
  return !LOOPBACK_HOSTS.has(new URL(c.req.url).hostname);
}

export function readSessionCookie(c: Context, secure: boolean): string | undefined {
  return getCookie(c, secure ? SECURE_NAME : LOCAL_NAME);
}

export function writeSessionCookie(c: Context, secure: boolean, value: string, maxAgeMs: number): void {
  setCookie(c, secure ? SECURE_NAME : LOCAL_NAME, value, {
    httpOnly: true,
    secure,
    sameSite: 'Strict',
    path: '/',
    maxAge: Math.max(1, Math.floor(maxAgeMs / 1000)),
  });
}

export function clearSessionCookie(c: Context, secure: boolean): void {
  deleteCookie(c, secure ? SECURE_NAME : LOCAL_NAME, { path: '/', secure, httpOnly: true, sameSite: 'Strict' });
}
