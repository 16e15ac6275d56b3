import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Principal } from '@stint/core/auth/principal';
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

/** Where to go after signing in: only a path on this site, never `//evil.example` or `/\evil`. */
export function safeNext(value: string | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || value.length > 2000) return '/jobs';
  return value;
}
