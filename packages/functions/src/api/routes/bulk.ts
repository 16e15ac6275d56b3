import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { BadRequestError, StintError, type Operation, type TenantScope } from '@stint/core';
import { assertCanWrite } from '@stint/core/auth/authorize';
import { findJobs } from '@stint/core/query/job-finder';
import { parseJobQuery } from '@stint/core/query/job-query';
import { BULK_OPERATION } from '@stint/core/system-jobs/bulk-operation';
import { CLEAR_INACTIVE, INACTIVE_FILTER } from '@stint/core/system-jobs/clear-inactive';
import { finderScope } from '@stint/core/system-jobs/system-scope';
import type { ApiEnv } from '../api-env.ts';
import { AcceptedJobSchema, BulkRequestSchema, BulkResultSchema, errors, JOB_ID_PATTERN, jsonBody, jsonContent, TenantParam } from '../schemas.ts';
import { requestScope, startSystemJob, withoutParams, type ApiServices } from '../services.ts';

/** Operations in flight per request: each is a few conditional writes. */
const PARALLELISM = 8;

type ItemResult = { status: 'ok' } | { status: 'error'; code: string; message: string };

const bulk = createRoute({
  method: 'post',
  path: '/api/jobs/bulk',
  tags: ['operations'],
  summary: 'Apply an operation to many jobs',
  description:
    '`{op, ids}` (up to 500) answers per id: `ok`, or the error code that id alone would get; one bad id never blocks the rest. ' +
    '`{op, filter}` runs as a BULK_OPERATION system job over every job the find filter matches and answers 202 with it.',
  request: { body: jsonBody(BulkRequestSchema), query: z.object({ tenant: TenantParam }) },
  responses: {
    200: jsonContent(BulkResultSchema, 'Per-id outcomes'),
    202: jsonContent(AcceptedJobSchema, 'Running as a system job'),
    ...errors(400, 403),
  },
});

const clearInactive = createRoute({
  method: 'post',
  path: '/api/jobs/clear-inactive',
  tags: ['operations'],
  summary: 'Delete every ended job (FINISHED or CANCELED) in the caller’s scope',
  description: 'Up to 200 are deleted at once (200 `{deleted}`); more run as a CLEAR_INACTIVE system job (202).',
  request: { query: z.object({ tenant: TenantParam }) },
  responses: {
    200: jsonContent(z.object({ deleted: z.number().int() }), 'Deleted'),
    202: jsonContent(AcceptedJobSchema, 'Running as a system job'),
    ...errors(400, 403),
  },
});

export function bulkRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  app.openapi(bulk, async (c) => {
    const principal = c.get('principal');
    assertCanWrite(principal);
    const body = c.req.valid('json');
    // A filter may name its tenant like a find query does; it narrows the scope the same way.
    const scope = requestScope(principal, body.filter?.tenant ?? c.req.valid('query').tenant);
    if (body.filter !== undefined) {
      const filter = withoutParams(body.filter, 'tenant', '_size', 'cursor');
      checkFilter(filter);
      const job = await startSystemJob(services, principal, scope, BULK_OPERATION, { operation: body.op, filter });
      c.header('Location', `/api/jobs/${job.id}`);
      return c.json({ job }, 202);
    }
    const results = await applyEach(services, body.op, [...new Set(body.ids)], scope);
    const ok = Object.values(results).filter((r) => r.status === 'ok').length;
    return c.json({ op: body.op, results, ok, failed: Object.keys(results).length - ok }, 200);
  });

  app.openapi(clearInactive, async (c) => {
    const principal = c.get('principal');
    assertCanWrite(principal);
    const scope = requestScope(principal, c.req.valid('query').tenant);
    const limit = services.limits.clearInlineJobs;
    const query = parseJobQuery({ ...INACTIVE_FILTER, _size: String(limit + 1) });
    const page = await findJobs(services.engine.deps.jobs, await finderScope(scope, services.tenants), query, services.now(), services.cursors);
    if (page.items.length > limit || page.nextCursor !== null) {
      const job = await startSystemJob(services, principal, scope, CLEAR_INACTIVE, {});
      c.header('Location', `/api/jobs/${job.id}`);
      return c.json({ job }, 202);
    }
    const results = await applyEach(services, 'delete', page.items.map((job) => job.id), scope);
    return c.json({ deleted: Object.values(results).filter((r) => r.status === 'ok').length }, 200);
  });
}

/** The filter is parsed now so a typo answers 400 here rather than failing the system job later. */
function checkFilter(filter: Record<string, string>): void {
  try {
    parseJobQuery(filter);
  } catch (error) {
    if (error instanceof BadRequestError) throw new BadRequestError(`filter: ${error.message}`, `filter.${error.field ?? 'query'}`);
    throw error;
  }
}

async function applyEach(services: ApiServices, operation: Operation, ids: string[], scope: TenantScope): Promise<Record<string, ItemResult>> {
  const results: Record<string, ItemResult> = {};
  for (let i = 0; i < ids.length; i += PARALLELISM) {
    await Promise.all(
      ids.slice(i, i + PARALLELISM).map(async (id) => {
        if (!JOB_ID_PATTERN.test(id)) {
          results[id] = { status: 'error', code: 'badRequest', message: 'not a job id' };
          return;
        }
        try {
          await services.engine.apply(operation, id, scope);
          results[id] = { status: 'ok' };
        } catch (error) {
          // Per id, like the single-job route would answer; an unexpected error stays opaque.
          results[id] = error instanceof StintError && error.code !== 'internal'
            ? { status: 'error', code: error.code === 'leaseLost' ? 'conflict' : error.code, message: error.message }
            : { status: 'error', code: 'internal', message: 'internal error' };
        }
      }),
    );
  }
  return results;
}
