import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { parseStatsQuery, statsQuerySchema, summaryListings, summaryQuerySchema } from '@stint/core/query';
import type { ApiEnv } from '../api-env.ts';
import { errors, openRoute } from '../api-route.ts';
import { jsonContent, StatsSchema, SummarySchema, TenantParam } from '../schemas.ts';
import { requestScope, withoutParams, type ApiServices } from '../services.ts';

const summary = createRoute({
  method: 'get',
  path: '/api/summary',
  operationId: 'getSummary',
  tags: ['monitor'],
  summary: 'Count cards: total, active, completed, failed, canceled',
  description:
    'Counts of root user jobs, as GET /api/jobs lists them; `children` and `system` add the same jobs the list adds. ' +
    'Counts are maintained on write and re-derived from the jobs after a crash once the tenant has been quiet for a few minutes; an admin’s all-tenant cards add up every tenant’s.',
  request: { query: summaryQuerySchema.extend({ tenant: TenantParam }) },
  responses: { 200: jsonContent(SummarySchema, 'Counts, maintained on write'), ...errors(403) },
});

const stats = createRoute({
  method: 'get',
  path: '/api/stats',
  operationId: 'getStats',
  tags: ['monitor'],
  summary: 'Jobs created and waiting times per minute, hour or day',
  description:
    'Defaults to the last 24 hours by hour. Times are ms since the epoch; intervals are UTC. `from` after `to` is refused, and so is a range longer than 2 days by minute, 31 days by hour or 92 days by day.',
  request: { query: statsQuerySchema.extend({ tenant: TenantParam }) },
  responses: { 200: jsonContent(StatsSchema, 'One point per interval, and totals'), ...errors(403) },
});

export function summaryRoutes(api: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  openRoute(api, summary, async (c) => {
    const { tenant, ...shown } = c.req.valid('query');
    const scope = requestScope(c.get('principal'), tenant);
    return c.json(await services.engine.monitor.summary(scope, summaryListings(shown)), 200);
  });

  openRoute(api, stats, async (c) => {
    const params = c.req.query();
    const scope = requestScope(c.get('principal'), params.tenant);
    const now = services.now();
    const options = parseStatsQuery(withoutParams(params, 'tenant'), now);
    return c.json(await services.engine.monitor.stats(scope, options, now), 200);
  });
}
