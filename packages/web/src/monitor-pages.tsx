/** @jsxImportSource hono/jsx */
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { StintError, unavailableOf } from '@stint/core';
import { assetRoutes } from './assets.ts';
import { pageSession, type WebEnv } from './page-session.ts';
import { jobRoutes } from './routes/job-route.tsx';
import { jobTypesRoutes } from './routes/job-types-route.tsx';
import { jobsRoutes } from './routes/jobs-route.tsx';
import { runSeenRoutes } from './routes/run-seen-route.ts';
import { scheduleRoutes } from './routes/schedule-route.tsx';
import { schedulesRoutes } from './routes/schedules-route.tsx';
import { signInRoutes } from './routes/sign-in-route.tsx';
import { statsRoutes } from './routes/stats-route.tsx';
import { monitorSecurityHeaders } from './security-headers.ts';
import { ErrorPage } from './views/error-page.tsx';
import { documentOf } from './views/layout.tsx';
import type { WebOptions } from './web-options.ts';
import { createWebServices, type WebServices } from './web-services.ts';

/** Paths of the monitor. Its middleware is bound to these only: it is mounted beside the api, whose paths it must not touch. */
const PAGE_PATHS = ['/', '/jobs', '/jobs/:id', '/jobs/:id/seen', '/schedules', '/schedules/:id', '/stats', '/job-types'];
const ALL_PATHS = [...PAGE_PATHS, '/sign-in', '/sign-out', '/assets/*'];

/**
 * The job monitor: server-rendered pages over the same core readers the api uses, plus the
 * static files of its small page scripts, which call the api for the live parts. Mount it at
 * `/` next to the api (`api.route('/', createMonitorPages(options))`).
 */
export function createMonitorPages(options: WebOptions | WebServices): Hono<WebEnv> {
  const services = 'sessions' in options ? options : createWebServices(options);
  const pages = new Hono<WebEnv>();
  pages.onError(errorHandler(services));
  const headers = monitorSecurityHeaders();
  for (const path of ALL_PATHS) pages.use(path, headers);
  assetRoutes(pages, services.assetsDir);
  signInRoutes(pages, services);
  const session = pageSession(services);
  for (const path of PAGE_PATHS) pages.use(path, session);
  jobsRoutes(pages, services);
  jobRoutes(pages, services);
  runSeenRoutes(pages, services);
  schedulesRoutes(pages, services);
  scheduleRoutes(pages, services);
  statsRoutes(pages, services);
  jobTypesRoutes(pages, services);
  return pages;
}

function errorHandler(services: WebServices) {
  return (error: unknown, c: Context<WebEnv>): Response => {
    // Hono's own refusals (the CSRF origin check's 403, a malformed form) answer as they are.
    if (error instanceof HTTPException) return error.getResponse();
    const session = c.get('session');
    const signedIn = session ? { principal: session.principal, csrfToken: session.csrfToken, timeZone: c.get('timeZone') } : undefined;
    const page = (title: string, message: string, status: 400 | 403 | 404 | 500 | 503, retry?: string) =>
      c.html(documentOf(<ErrorPage title={title} message={message} {...(signedIn ? { signedIn } : {})} {...(retry ? { retry } : {})} />), status);
    const thing = c.req.path.startsWith('/schedules') ? 'schedule' : 'job';
    if (error instanceof StintError && error.code === 'notFound')
      return page('Not found', `There is no such ${thing}, or it belongs to a tenant you cannot see.`, 404);
    if (error instanceof StintError && error.code === 'badRequest') return page('That request is not valid', error.message, 400);
    if (error instanceof StintError && error.code === 'forbidden') return page('Not allowed', `Your access does not allow this: ${error.message}.`, 403);
    // A throttled table is a busy moment, not a broken monitor: say so, and when to try again.
    const unavailable = unavailableOf(error);
    if (unavailable) {
      c.header('Retry-After', String(unavailable.retryAfterSeconds));
      const again = `The job store is at its capacity just now. Try again in ${unavailable.retryAfterSeconds} seconds.`;
      const url = new URL(c.req.url);
      // A form's POST is not repeated by a link: its page is reached again from the list.
      return page('Busy for a moment', again, 503, c.req.method === 'GET' ? `${url.pathname}${url.search}` : undefined);
    }
    services.onUnexpectedError(error);
    // The cause goes to the logs only: stacks and AWS messages leak internals.
    return page('Something went wrong', 'The monitor could not show this page. Try again in a moment.', 500);
  };
}
