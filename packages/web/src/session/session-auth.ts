import type { MiddlewareHandler } from 'hono';
import type { Principal } from '@stint/core/auth';
import type { WebOptions } from '../web-options.ts';
import { createWebServices, type WebServices } from '../web-services.ts';
import { isSafeMethod, isSameOrigin } from './same-origin.ts';
import { isSecureRequest, readSessionCookie } from './session-cookie.ts';
import { safeEqual } from './session-token.ts';

export const CSRF_HEADER = 'x-csrf-token';

/** The principal variable the api's routes read; the same name and shape as its ApiEnv. */
export interface SessionAuthEnv {
  Variables: { principal: Principal };
}

/**
 * Lets the monitor's own fetches reach /api with the session cookie instead of a bearer token.
 * Mount it on /api/* before the api's authenticate middleware, which must then keep a principal
 * that is already set. A request that carries Authorization or X-Api-Key is left entirely to
 * the api; a cookie that is missing, expired or revoked sets nothing, so the api answers 401.
 * Mutations by cookie must also come from our origin and echo the session's CSRF token.
 */
export function createSessionAuth(options: WebOptions | WebServices): MiddlewareHandler<SessionAuthEnv> {
  const services = 'sessions' in options ? options : createWebServices(options);
  return async (c, next) => {
    if (c.req.header('authorization') !== undefined || c.req.header('x-api-key') !== undefined) return next();
    const session = await services.sessions.resolve(readSessionCookie(c, isSecureRequest(c, services.secureCookies)));
    if (session === null) return next();
    if (!isSafeMethod(c.req.method)) {
      const token = c.req.header(CSRF_HEADER);
      if (!isSameOrigin(c) || token === undefined || !safeEqual(token, session.csrfToken)) {
        return c.json({ error: { code: 'forbidden', message: `a request signed in by cookie must come from the monitor and send ${CSRF_HEADER}` } }, 403);
      }
    }
    c.set('principal', session.principal);
    return next();
  };
}
