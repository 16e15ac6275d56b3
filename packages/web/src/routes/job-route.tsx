/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import { ALLOWED_FROM, isEnded, type Job } from '@stint/core';
import { parseJobQuery, parseLogQuery } from '@stint/core/query';
import { canonicalParams, href, pager, sameQuery } from '../list-url.ts';
import { orBadRequest, pageScope } from '../page-scope.ts';
import { scheduleHref } from '../schedule-url.ts';
import type { WebEnv } from '../page-session.ts';
import { CHILD_PAGER } from '../views/children-panel.tsx';
import { jobHref } from '../views/job-cells.tsx';
import { operationRules } from '../views/operation-rules.ts';
import { JobPage } from '../views/job-page.tsx';
import { documentOf, Layout } from '../views/layout.tsx';
import type { WebServices } from '../web-services.ts';

const CHILD_PAGE_SIZE = '20';
const LOG_PAGE_SIZE = '100';
const ERROR_LINES = '5';
/** New log lines show within 2 s: one poll every 1.5 s plus the request itself. */
export const LOG_TAIL_MS = 1_500;
/** Status, progress, children and output of the job while it (or a child shown) is active. */
export const JOB_POLL_MS = 2_000;
/**
 * Asks for the page's live parts only (assets/js/page-refresh.js sends it every 2 s): the logs,
 * which the tail follows on its own, and the parent's and root's labels, which do not change,
 * are left out, and the visit is not counted as reading a scheduled run's logs again.
 */
export const LIVE_HEADER = 'x-stint-live';

export function jobRoutes(pages: Hono<WebEnv>, services: WebServices): void {
  pages.get('/jobs/:id', async (c) => {
    const id = c.req.param('id');
    const timeZone = c.get('timeZone');
    const params = canonicalParams(c.req.queries(), timeZone, {});
    if (!sameQuery(new URL(c.req.url).search, params)) return c.redirect(href(jobHref(id), params), 302);

    const principal = c.get('principal');
    const scope = pageScope(principal);
    const monitor = services.engine.monitor;
    const now = services.now();
    // NotFoundError (missing, another tenant's, or a malformed id) reaches onError: the 404 page.
    const job = await services.engine.get(id, scope);
    const live = c.req.header(LIVE_HEADER) === '1';
    const logQuery = pick(params, ['level', 'message', 'period', 'from', 'to']);
    // A deleted parent or root still gets its link, by id: the label is a courtesy.
    const labelOf = async (relatedId: string | null) =>
      live || relatedId === null || relatedId === job.id
        ? null
        : services.engine.get(relatedId, scope).then(
            (related) => related.label,
            () => null,
          );
    const [children, logs, errorLines, parentLabel, rootLabel] = await Promise.all([
      hasChildren(job) || params.has(CHILD_PAGER.cursor)
        ? orBadRequest(async () => {
            const query = { parentId: job.id, system: 'true', _size: CHILD_PAGE_SIZE, ...pick(params, [CHILD_PAGER.cursor], 'cursor') };
            return monitor.jobs(scope, parseJobQuery(query), services.cursors, now);
          })
        : null,
      live
        ? { value: null, error: null }
        : orBadRequest(() =>
            monitor.logs(
              job.id,
              parseLogQuery({ ...logQuery, timeZone, _size: LOG_PAGE_SIZE, ...pick(params, ['logCursor'], 'cursor') }),
              services.cursors,
              now,
            ),
          ),
      job.hasErrors ? monitor.logs(job.id, parseLogQuery({ level: 'ERROR', _size: ERROR_LINES }), services.cursors, now).then((page) => page.items) : [],
      labelOf(job.parentId),
      labelOf(job.rootId),
      // Viewing a scheduled run's page reads its logs: its unread marker in the schedules list clears.
      live ? null : services.engine.schedules.markSeen(principal.keyId, job),
    ]);
    const tail = !isEnded(job.status) && !params.has('logCursor') && !params.has('to') && logs.error === null;
    const canWrite = principal.role !== 'viewer';
    const page = (
      <Layout
        title={job.label}
        section="jobs"
        scripts={['job-page.js']}
        signedIn={{ principal, csrfToken: c.get('session').csrfToken, timeZone }}
        config={{
          jobId: job.id,
          label: job.label,
          job: liveFields(job),
          allowedFrom: ALLOWED_FROM,
          canWrite,
          rules: operationRules(services.engine.jobTypes(), job),
          serverNow: now,
          pollMs: JOB_POLL_MS,
          tail: tail
            ? { cursor: logs.value?.tailCursor ?? null, query: { ...pick(params, ['level', 'message', 'period', 'from']), timeZone }, everyMs: LOG_TAIL_MS }
            : null,
        }}
      >
        <JobPage
          job={job}
          canWrite={canWrite}
          timeZone={timeZone}
          errorLines={errorLines}
          scheduleHref={scheduleLink(services, job)}
          parentLabel={parentLabel}
          rootLabel={rootLabel}
          children={
            children === null
              ? null
              : {
                  children: children.value?.items ?? [],
                  pager: pager(params, children.value?.nextCursor ?? null, CHILD_PAGER),
                  error: children.error,
                }
          }
          logs={live ? null : { params, lines: logs.value?.items ?? [], nextCursor: logs.value?.nextCursor ?? null, error: logs.error, tail }}
        />
      </Layout>
    );
    return c.html(documentOf(page), logs.error === null && (children?.error ?? null) === null ? 200 : 400);
  });
}

/** The window of the schedule this job is a run of; null when it is no run, or its schedule left the code. */
function scheduleLink(services: WebServices, job: Job): string | null {
  if (job.scheduleId === null) return null;
  const definition = services.engine.schedules.definition(job.scheduleId);
  if (definition === undefined) return null;
  return scheduleHref({ id: job.scheduleId, tenant: definition.scope === 'installation' ? null : job.tenant });
}

function hasChildren(job: Job): boolean {
  return job.childrenProgress.total > 0;
}

/** What the script needs to enable operations; each live refresh brings them anew. */
function liveFields(job: Job) {
  return { status: job.status, lowPriority: job.lowPriority, hasErrors: job.hasErrors };
}

/** The named parameters that are present, optionally renamed to what a core parser calls them. */
function pick(params: URLSearchParams, names: string[], rename?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = params.get(name);
    if (value !== null) out[rename ?? name] = value;
  }
  return out;
}
