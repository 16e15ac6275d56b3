import type { Context } from 'hono';
import type { WebEnv } from '../page-session.ts';
import type { FormBody } from '../schedule-form.ts';
import { CSRF_HEADER } from './session-auth.ts';
import { isSameOrigin } from './same-origin.ts';
import { safeEqual } from './session-token.ts';

/**
 * Writes through the monitor's own routes (not the api) carry the session's CSRF token: a
 * form in its `csrf` field (Hono's csrf() middleware has checked the origin already), a
 * script's fetch in the header, from our own origin.
 */
export function formHasCsrf(c: Context<WebEnv>, form: FormBody): boolean {
  const token = form.csrf;
  return typeof token === 'string' && safeEqual(token, c.get('session').csrfToken);
}

export function fetchHasCsrf(c: Context<WebEnv>): boolean {
  const token = c.req.header(CSRF_HEADER);
  return isSameOrigin(c) && token !== undefined && safeEqual(token, c.get('session').csrfToken);
}

export const NOT_OUR_FORM = 'This form did not come from the monitor’s own page. Reload the page and try again.';
