/** @jsxImportSource hono/jsx */
import type { Context, Hono } from 'hono';
import { csrf } from 'hono/csrf';
import { type Job, StintError, type TenantScope } from '@stint/core';
import { assertCanWrite } from '@stint/core/auth';
import { parseScheduleListQuery } from '@stint/core/schedules';
import { href, pager, sameQuery } from '../list-url.ts';
import { orBadRequest, pageScope } from '../page-scope.ts';
import type { WebEnv } from '../page-session.ts';
import { strings, string } from '../schedule-form.ts';
import { canonicalOf, LIST_URL, parseRefValue, withoutStarted } from '../schedule-url.ts';
import { formHasCsrf, NOT_OUR_FORM } from '../session/page-csrf.ts';
import { documentOf, Layout } from '../views/layout.tsx';
import { SchedulesPage } from '../views/schedules-page.tsx';
import type { WebServices } from '../web-services.ts';
import { JOB_POLL_MS, LOG_TAIL_MS } from './job-route.tsx';

/** The list refreshes itself this often, and this often while one of its runs is running. */
export const SCHEDULES_REFRESH_MS = 15_000;
export const SCHEDULES_RUNNING_REFRESH_MS = 3_000;
/** Runs one Run now can start; the notice lists them, so the URL stays short. */
const MAX_STARTED = 50;

export function schedulesRoutes(pages: Hono<WebEnv>, services: WebServices): void {
  pages.get('/schedules', async (c) => {
    const params = canonicalOf(c.req.queries(), LIST_URL);
    if (!sameQuery(new URL(c.req.url).search, params)) return c.redirect(href('/schedules', params), 302);
    return renderList(c, services, params, null);
  });

  // Run now: a plain form post (the origin check and the session's token stop another site's),
  // answered with a redirect to the list, which names the runs it started.
  pages.post('/schedules', csrf(), async (c) => {
    const form = await c.req.parseBody({ all: true });
    if (!formHasCsrf(c, form)) return c.text(NOT_OUR_FORM, 403);
    const principal = c.get('principal');
    assertCanWrite(principal);
    const view = withoutStarted(canonicalOf(new URLSearchParams(string(form, 'view')), LIST_URL));
    const values = strings(form, 'schedule');
    if (values.length === 0) return renderList(c, services, view, 'Tick the schedules to run first.');
    if (values.length > MAX_STARTED) return renderList(c, services, view, `Run at most ${MAX_STARTED} schedules at once.`);
    const jobs = await services.engine.schedules.runNow(values.map(parseRefValue), pageScope(principal), { kind: 'caller', principal });
    view.set('started', jobs.map((job) => job.id).join(','));
    return c.redirect(href('/schedules', canonicalOf(view, LIST_URL)), 303);
  });
}

async function renderList(c: Context<WebEnv>, services: WebServices, params: URLSearchParams, formError: string | null): Promise<Response> {
  const principal = c.get('principal');
  const timeZone = c.get('timeZone');
  const scope = pageScope(principal);
  const query: Record<string, string> = {};
  for (const name of ['status', 'q', 'cursor']) if (params.has(name)) query[name] = params.get(name)!;
  const [found, started] = await Promise.all([
    orBadRequest(() => services.engine.schedules.list(scope, parseScheduleListQuery(query), principal.keyId, services.cursors)),
    startedJobs(services, params.get('started'), scope),
  ]);
  const canWrite = principal.role !== 'viewer';
  const error = found.error ?? formError;
  const page = (
    <Layout
      title="Scheduled jobs"
      section="schedules"
      scripts={['schedules-page.js']}
      signedIn={{ principal, csrfToken: c.get('session').csrfToken, timeZone }}
      config={{ refreshMs: SCHEDULES_REFRESH_MS, runningRefreshMs: SCHEDULES_RUNNING_REFRESH_MS, pollMs: JOB_POLL_MS, tailMs: LOG_TAIL_MS }}
    >
      <SchedulesPage
        rows={found.value?.items ?? []}
        params={params}
        pager={pager(withoutStarted(params), found.value?.nextCursor ?? null)}
        error={error}
        valid={found.error === null}
        started={started}
        canWrite={canWrite}
        csrfToken={c.get('session').csrfToken}
        timeZone={timeZone}
      />
    </Layout>
  );
  return c.html(documentOf(page), error === null ? 200 : 400);
}

/** The runs a Run now started, as this viewer may see them; ids that do not load are left out. */
async function startedJobs(services: WebServices, ids: string | null, scope: TenantScope): Promise<Job[]> {
  const wanted = (ids ?? '').split(',').filter(Boolean).slice(0, MAX_STARTED);
  const jobs = await Promise.all(
    wanted.map((id) =>
      services.engine.get(id, scope).catch((error: unknown) => {
        if (error instanceof StintError && (error.code === 'notFound' || error.code === 'badRequest')) return null;
        throw error;
      }),
    ),
  );
  return jobs.filter((job): job is Job => job !== null);
}
