import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { logQuerySchema, parseLogQuery } from '@stint/core/query';
import type { ApiEnv } from '../api-env.ts';
import { errors, openRoute } from '../api-route.ts';
import { JobIdParams, jsonBody, jsonContent, LogLineSchema, LogPageSchema, NewLogSchema } from '../schemas.ts';
import { assertCanChange, requestScope, type ApiServices } from '../services.ts';

const readLogs = createRoute({
  method: 'get',
  path: '/api/jobs/{id}/logs',
  operationId: 'readLogs',
  tags: ['logs'],
  summary: 'Read a job’s logs (sys.jobs.logs)',
  description:
    'Newest first, filtered by level, message text and time (from/to, or period: today, yesterday, 2h 30m; today and yesterday start at midnight in timeZone, UTC unless given). Pass `after` = tailCursor to poll for newer lines. Reading a scheduled run’s logs clears its unreadLogs marker for the caller. `to` before `from` is refused, and so is `after` with `cursor`.',
  request: { params: JobIdParams, query: logQuerySchema },
  responses: { 200: jsonContent(LogPageSchema, 'One page of log lines'), ...errors(404) },
});

const addLog = createRoute({
  method: 'post',
  path: '/api/jobs/{id}/logs',
  operationId: 'addLog',
  tags: ['logs'],
  summary: 'Add a log line (sys.jobs.logInfo / logError)',
  description: 'An ERROR line sets the job’s hasErrors flag.',
  request: { params: JobIdParams, body: jsonBody(NewLogSchema) },
  responses: { 201: jsonContent(LogLineSchema.omit({ cursor: true }), 'The line as stored'), ...errors(403, 404) },
});

export function logRoutes(api: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  openRoute(api, readLogs, async (c) => {
    const { id } = c.req.valid('param');
    const principal = c.get('principal');
    // The wall first: another tenant's job answers 404 whatever the query says.
    const job = await services.engine.get(id, requestScope(principal, undefined));
    const query = parseLogQuery(c.req.query());
    // Opening a scheduled run's logs clears its unread marker for this caller (a no-op for
    // other jobs). The marker is a convenience: failing to set it must not fail the read.
    const seen = services.engine.schedules.markSeen(principal.keyId, job).catch((error: unknown) => {
      services.engine.warn(`could not mark the logs of job ${id} as read`, { jobId: id, error });
    });
    const page = await services.engine.monitor.logs(id, query, services.cursors, services.now());
    await seen;
    return c.json({ items: page.items, nextCursor: page.nextCursor, tailCursor: page.tailCursor, partial: page.partial }, 200);
  });

  openRoute(api, addLog, async (c) => {
    const { id } = c.req.valid('param');
    const { level, message } = c.req.valid('json');
    const scope = await assertCanChange(services, c.get('principal'), id);
    const job = await services.engine.get(id, scope);
    const line = await services.engine.appendLog(job, level, message);
    return c.json(line, 201);
  });
}
