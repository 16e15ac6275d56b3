import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { BadRequestError } from '@stint/core';
import type { Principal } from '@stint/core/auth';
import type { SessionState } from './session/session-authority.ts';
import { isSecureRequest, readSessionCookie } from './session/session-cookie.ts';
import { TIME_ZONE_COOKIE, validTimeZone } from './views/time-format.ts';
import type { WebServices } from './web-services.ts';

export interface WebEnv {
  Variables: { principal: Principal; session: SessionState; timeZone: string };
}

/** Pages need a session; without one the browser goes to sign in and comes back afterwards. */
export function pageSession(services: WebServices): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    const session = await services.sessions.resolve(readSessionCookie(c, isSecureRequest(c, services.secureCookies)));
    if (session === null) {
      const url = new URL(c.req.url);
      return c.redirect(`/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`, 302);
    }
    c.set('session', session);
    c.set('principal', session.principal);
    c.set('timeZone', validTimeZone(getCookie(c, TIME_ZONE_COOKIE)));
    // Pages show live data for one principal: never from a shared cache or the back-forward cache of another.
    c.header('Cache-Control', 'no-store');
    await next();
  };
}

/** The page a signed-in browser lands on when sign-in was not sent from another page. */
export const DEFAULT_NEXT = '/jobs';

const SITE = 'http://monitor.invalid';

/**
 * Where to go after signing in: a path of this site, or 400. Browsers drop tabs and line breaks
 * from URLs and read `\` as `/`, so `/\t/evil.example` and `/\\evil.example` leave the site; any
 * control character, backslash or whitespace is refused outright, and what remains must resolve
 * to this origin and read back unchanged (no `//host`, no scheme).
 */
export function safeNext(value: string | undefined): string {
  if (value === undefined || value === '') return DEFAULT_NEXT;
  const refuse = () => new BadRequestError('next must be a path of this site, such as /jobs', 'next');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses (a header-splitting or log-forging `next`).
  if (value.length > 2000 || !value.startsWith('/') || /[\s\\\u0000-\u001f\u007f]/u.test(value)) throw refuse();
  let url: URL;
  try {
    url = new URL(value, SITE);
  } catch {
    throw refuse();
  }
  if (url.origin !== SITE || `${url.pathname}${url.search}${url.hash}` !== value) throw refuse();
  return value;
}
