/** @jsxImportSource hono/jsx */
import type { Context, Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { StintError } from '@stint/core';
import { safeNext, type WebEnv } from '../page-session.ts';
import type { SignedIn } from '../session/session-authority.ts';
import { clearSessionCookie, isSecureRequest, readSessionCookie, writeSessionCookie } from '../session/session-cookie.ts';
import { safeEqual } from '../session/session-token.ts';
import { documentOf } from '../views/layout.tsx';
import { SignInPage } from '../views/sign-in-page.tsx';
import { TIME_ZONE_COOKIE, validTimeZone } from '../views/time-format.ts';
import type { WebServices } from '../web-services.ts';

const REFUSED = 'That key or token was not accepted: it is unknown, revoked or expired.';

export function signInRoutes(pages: Hono<WebEnv>, services: WebServices): void {
  const secure = (c: Context) => isSecureRequest(c, services.secureCookies);
  const render = (c: Context, props: { next: string; error: string | null; signedOut?: boolean }, status: 200 | 400 | 401 | 403) =>
    c.html(documentOf(<SignInPage next={props.next} error={props.error} signedOut={props.signedOut ?? false} oidcEnabled={services.oidcEnabled} />), status);

  pages.get('/sign-in', async (c) => {
    c.header('Cache-Control', 'no-store');
    const next = safeNext(c.req.query('next'));
    if ((await services.sessions.resolve(readSessionCookie(c, secure(c)))) !== null) return c.redirect(next, 302);
    return render(c, { next, error: null, signedOut: c.req.query('signedOut') === '1' }, 200);
  });

  // The origin check stops a cross-site form from signing the browser in as someone else.
  pages.post('/sign-in', csrf(), async (c) => {
    c.header('Cache-Control', 'no-store');
    const form = await c.req.parseBody();
    const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    if (token === '') return render(c, { next, error: 'Paste an API key or token to sign in.' }, 400);
    let signedIn: SignedIn;
    try {
      signedIn = await services.sessions.signIn(token);
    } catch (error) {
      if (!(error instanceof StintError) || (error.code !== 'unauthorized' && error.code !== 'forbidden')) throw error;
      return render(c, { next, error: error.code === 'forbidden' ? `That token grants no access here: ${error.message}.` : REFUSED }, 401);
    }
    writeSessionCookie(c, secure(c), signedIn.token, signedIn.claims.exp - services.now());
    if (typeof form.tz === 'string' && validTimeZone(form.tz) === form.tz) {
      setCookie(c, TIME_ZONE_COOKIE, form.tz, { path: '/', sameSite: 'Strict', secure: secure(c), maxAge: 365 * 86_400 });
    }
    return c.redirect(next, 303);
  });

  pages.post('/sign-out', csrf(), async (c) => {
    const session = await services.sessions.resolve(readSessionCookie(c, secure(c)));
    const form = await c.req.parseBody();
    if (session !== null && (typeof form.csrf !== 'string' || !safeEqual(form.csrf, session.csrfToken))) {
      return c.text('This sign-out did not come from the monitor’s own page.', 403);
    }
    if (session !== null) await services.sessions.signOut(session.claims);
    clearSessionCookie(c, secure(c));
    return c.redirect('/sign-in?signedOut=1', 303);
  });
}
