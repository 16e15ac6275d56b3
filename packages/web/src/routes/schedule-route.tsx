/** @jsxImportSource hono/jsx */
import type { Context, Hono } from 'hono';
import { csrf } from 'hono/csrf';
import { BadRequestError } from '@stint/core';
import { assertCanWrite } from '@stint/core/auth';
import { nextSlot, parseSchedulePatch, parseScheduleRunsQuery, type ScheduleRef } from '@stint/core/schedules';
import { href, pager, sameQuery } from '../list-url.ts';
import { orBadRequest, pageScope } from '../page-scope.ts';
import type { WebEnv } from '../page-session.ts';
import {
  draftOfPlanning,
  draftOfReport,
  fieldErrorOf,
  formOf,
  patchInput,
  planningDraft,
  reportDraft,
  type FieldError,
  type FormBody,
  type ScheduleForm,
} from '../schedule-form.ts';
import { canonicalOf, RUNS_PAGER, scheduleHref, WINDOW_URL } from '../schedule-url.ts';
import { formHasCsrf, NOT_OUR_FORM } from '../session/page-csrf.ts';
import { documentOf, Layout } from '../views/layout.tsx';
import { SchedulePage, TAB_OF_FORM, tabOf } from '../views/schedule-page.tsx';
import { rowName } from '../views/schedules-table.tsx';
import type { WebServices } from '../web-services.ts';
import { JOB_POLL_MS, LOG_TAIL_MS } from './job-route.tsx';

/** A refused save, shown with what was typed. */
interface Refused {
  form: ScheduleForm;
  error: FieldError;
  body: FormBody;
}

export function scheduleRoutes(pages: Hono<WebEnv>, services: WebServices): void {
  pages.get('/schedules/:id', async (c) => {
    const id = c.req.param('id');
    const params = canonicalOf(c.req.queries(), WINDOW_URL);
    // A tenant's people have one row of a per-tenant schedule: theirs, so the tenant may go unsaid.
    const own = c.get('principal').tenant;
    if (!params.has('tenant') && own !== null && services.engine.schedules.definition(id)?.scope === 'tenant') params.set('tenant', own);
    const path = `/schedules/${encodeURIComponent(id)}`;
    if (!sameQuery(new URL(c.req.url).search, params)) return c.redirect(href(path, canonicalOf(params, WINDOW_URL)), 302);
    return renderWindow(c, services, { id, tenant: params.get('tenant') }, params, null);
  });

  // Each tab's form saves its own part; a refused one is shown again, nothing of it applied.
  pages.post('/schedules/:id', csrf(), async (c) => {
    const body = await c.req.parseBody({ all: true });
    if (!formHasCsrf(c, body)) return c.text(NOT_OUR_FORM, 403);
    const principal = c.get('principal');
    assertCanWrite(principal);
    const params = canonicalOf(c.req.queries(), WINDOW_URL);
    const ref: ScheduleRef = { id: c.req.param('id'), tenant: params.get('tenant') };
    const form = formOf(body);
    const input = patchInput(form, body);
    try {
      await services.engine.schedules.update(ref, pageScope(principal), parseSchedulePatch(input));
    } catch (error) {
      if (!(error instanceof BadRequestError)) throw error;
      params.set('tab', TAB_OF_FORM[form]);
      return renderWindow(c, services, ref, params, { form, error: fieldErrorOf(error, input), body });
    }
    return c.redirect(scheduleHref(ref, { tab: TAB_OF_FORM[form], saved: form }), 303);
  });
}

async function renderWindow(c: Context<WebEnv>, services: WebServices, ref: ScheduleRef, params: URLSearchParams, refused: Refused | null): Promise<Response> {
  const principal = c.get('principal');
  const timeZone = c.get('timeZone');
  const scope = pageScope(principal);
  const schedules = services.engine.schedules;
  // NotFoundError (unknown id, another tenant's row) and a tenant that does not fit the scope reach onError.
  const row = await schedules.get(ref, scope, principal.keyId);
  const runsQuery: Record<string, string> = {};
  if (params.has('runStatus')) runsQuery.status = params.get('runStatus')!;
  if (params.has(RUNS_PAGER.cursor)) runsQuery.cursor = params.get(RUNS_PAGER.cursor)!;
  const runs = await orBadRequest(() => schedules.runs(ref, scope, parseScheduleRunsQuery(runsQuery), services.cursors));
  const saved = params.get('saved');
  const canWrite = principal.role !== 'viewer';
  const page = (
    <Layout
      title={rowName(row)}
      section="schedules"
      scripts={['schedule-page.js']}
      signedIn={{ principal, csrfToken: c.get('session').csrfToken, timeZone }}
      config={{ pollMs: JOB_POLL_MS, tailMs: LOG_TAIL_MS }}
    >
      <SchedulePage
        row={row}
        tab={tabOf(params.get('tab'))}
        canWrite={canWrite}
        csrfToken={c.get('session').csrfToken}
        timeZone={timeZone}
        saved={refused === null && (saved === 'report' || saved === 'planning') ? saved : null}
        refused={refused === null ? null : { form: refused.form, error: refused.error }}
        report={refused?.form === 'report' ? reportDraft(refused.body) : draftOfReport(row.report)}
        planning={refused?.form === 'planning' ? planningDraft(refused.body) : draftOfPlanning(row.planning, timeZone)}
        reportsEnabled={schedules.reportsEnabled}
        automaticNext={nextSlot({ type: 'automatic' }, row.automatic, services.now())}
        runs={{ params, items: runs.value?.items ?? [], pager: pager(params, runs.value?.nextCursor ?? null, RUNS_PAGER), error: runs.error }}
      />
    </Layout>
  );
  return c.html(documentOf(page), refused === null && runs.error === null ? 200 : 400);
}
