import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { parseStatsQuery, readStats, readSummary, statsQuerySchema, summaryListings, summaryQuerySchema } from '@stint/core/query/stats-reader';
import type { ApiEnv } from '../api-env.ts';
import { documented } from '../documented.ts';
import { errors, jsonContent, StatsSchema, SummarySchema, TenantParam } from '../schemas.ts';
import { requestScope, withoutParams, type ApiServices } from '../services.ts';

const summary = createRoute({
  method: 'get',
  path: '/api/summary',
  tags: ['monitor'],
  summary: 'Count cards: total, active, completed, failed, canceled',
  description:
    'Counts of root user jobs, as GET /api/jobs lists them; `children` and `system` add the same jobs the list adds. ' +
    'Counts are maintained on write and re-derived from the jobs after a crash once the tenant has been quiet for a few minutes.',
  request: { query: summaryQuerySchema.extend({ tenant: TenantParam }) },
  responses: { 200: jsonContent(SummarySchema, 'Counts, maintained on write'), ...errors(400, 403) },
});

const stats = createRoute({
  method: 'get',
  path: '/api/stats',
  tags: ['monitor'],
  summary: 'Jobs created and waiting times per minute, hour or day',
  description: 'Defaults to the last 24 hours by hour. Times are ms since the epoch; intervals are UTC.',
  request: { query: statsQuerySchema.extend({ tenant: TenantParam }) },
  responses: { 200: jsonContent(StatsSchema, 'One point per interval, and totals'), ...errors(400, 403) },
});

/** Counters are kept per tenant; an all-tenant scope adds up every tenant's. */
async function counterTenants(services: ApiServices, scope: ReturnType<typeof requestScope>): Promise<string | string[]> {
  return 'tenant' in scope ? scope.tenant : services.tenants.list();
}

export function summaryRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  app.openapi(summary, async (c) => {
    const { tenant, ...shown } = c.req.valid('query');
    const scope = requestScope(c.get('principal'), tenant);
    return c.json(await readSummary(services.engine.deps.jobs, await counterTenants(services, scope), summaryListings(shown)), 200);
  });

  documented(app, stats, async (c) => {
    const params = c.req.query();
    const scope = requestScope(c.get('principal'), params.tenant);
    const now = services.now();
    const options = parseStatsQuery(withoutParams(params, 'tenant'), now);
    return c.json(await readStats(services.engine.deps.jobs, await counterTenants(services, scope), options, now), 200);
  });
}
