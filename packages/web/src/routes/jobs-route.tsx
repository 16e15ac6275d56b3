/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import { ALLOWED_FROM } from '@stint/core';
import { parseJobQuery, summaryListings } from '@stint/core/query';
import { canonicalParams, href, pager, queryParams, sameQuery } from '../list-url.ts';
import { orBadRequest, pageScope } from '../page-scope.ts';
import type { WebEnv } from '../page-session.ts';
import { JobsPage } from '../views/jobs-page.tsx';
import { documentOf, Layout } from '../views/layout.tsx';
import { operationRules, typeRules } from '../views/operation-rules.ts';
import type { WebServices } from '../web-services.ts';

/** Auto refresh period of the list, as the seeds fix it. */
export const LIST_REFRESH_MS = 15_000;

export function jobsRoutes(pages: Hono<WebEnv>, services: WebServices): void {
  pages.get('/', (c) => c.redirect(href('/jobs', new URL(c.req.url).searchParams), 302));

  pages.get('/jobs', async (c) => {
    const timeZone = c.get('timeZone');
    const params = canonicalParams(c.req.queries(), timeZone);
    if (!sameQuery(new URL(c.req.url).search, params)) return c.redirect(href('/jobs', params), 302);

    const principal = c.get('principal');
    const scope = pageScope(principal);
    const now = services.now();
    const query = queryParams(params);
    const jobTypes = services.engine.jobTypes();
    // The cards count what the list shows: children and system jobs only when it shows them.
    const shown = summaryListings({ system: query.system === 'true', children: query.children === 'true' });
    const [summary, found] = await Promise.all([
      services.engine.monitor.summary(scope, shown),
      orBadRequest(async () => services.engine.monitor.jobs(scope, parseJobQuery(query), services.cursors, now)),
    ]);
    const canWrite = principal.role !== 'viewer';
    const page = (
      <Layout
        title="Jobs"
        section="jobs"
        scripts={['jobs-page.js']}
        signedIn={{ principal, csrfToken: c.get('session').csrfToken, timeZone }}
        config={{
          allowedFrom: ALLOWED_FROM,
          canWrite,
          query,
          typeRules: typeRules(jobTypes),
          serverNow: now,
          refreshMs: LIST_REFRESH_MS,
          valid: found.error === null,
        }}
      >
        <JobsPage
          summary={summary}
          jobs={found.value?.items ?? []}
          params={params}
          pager={pager(params, found.value?.nextCursor ?? null)}
          partial={found.value?.partial ?? false}
          types={jobTypes.names()}
          error={found.error}
          canWrite={canWrite}
          timeZone={timeZone}
          rules={(job) => operationRules(jobTypes, job)}
          showTenant={principal.tenant === null}
        />
      </Layout>
    );
    return c.html(documentOf(page), found.error === null ? 200 : 400);
  });
}
