import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { BadRequestError, JOB_ID_PATTERN, type Operation, StintError, type TenantScope } from '@stint/core';
import { assertCanWrite } from '@stint/core/auth';
import { parseJobQuery } from '@stint/core/query';
import { BULK_OPERATION, CLEAR_INACTIVE, INACTIVE_FILTER } from '@stint/core/system-jobs';
import type { ApiEnv } from '../api-env.ts';
import { errors, openRoute } from '../api-route.ts';
import { AcceptedJobSchema, BulkRequestSchema, BulkResultSchema, jsonBody, jsonContent, TenantParam } from '../schemas.ts';
import { requestScope, startSystemJob, withoutParams, type ApiServices } from '../services.ts';

/** Operations in flight per request: each is a few conditional writes. */
const PARALLELISM = 8;

type ItemResult = { status: 'ok' } | { status: 'error'; code: string; message: string };

const bulk = createRoute({
  method: 'post',
  path: '/api/jobs/bulk',
  operationId: 'bulkOperation',
  tags: ['operations'],
  summary: 'Apply an operation to many jobs',
  description:
    '`{op, ids}` (up to 500) answers per id: `ok`, or the error code that id alone would get; one bad id never blocks the rest. ' +
    '`{op, filter}` runs as a BULK_OPERATION system job over every job the find filter matches and answers 202 with it. ' +
    'The filter is checked in full first: a parameter GET /api/jobs would refuse is refused here (a range ending before it starts, `createTo` < `createFrom`, likewise `startTo` and `endTo`, too), so a misspelt filter never widens what is changed. ' +
    '`tenant` may be given as a parameter or in the filter, not both differently.',
  request: { body: jsonBody(BulkRequestSchema), query: z.object({ tenant: TenantParam }) },
  responses: {
    200: jsonContent(BulkResultSchema, 'Per-id outcomes'),
    202: jsonContent(AcceptedJobSchema, 'Running as a system job'),
    ...errors(403),
  },
});

const clearInactive = createRoute({
  method: 'post',
  path: '/api/jobs/clear-inactive',
  operationId: 'clearInactive',
  tags: ['operations'],
  summary: 'Delete every ended job (FINISHED or CANCELED) in the caller’s scope',
  description:
    'Up to 200 are deleted at once (200 `{deleted}`); more run as a CLEAR_INACTIVE system job (202). ' +
    'The scope is the caller’s tenant, or for an admin every tenant unless `tenant` names one; any other parameter is refused.',
  request: { query: z.object({ tenant: TenantParam }) },
  responses: {
    200: jsonContent(z.object({ deleted: z.number().int() }), 'Deleted'),
    202: jsonContent(AcceptedJobSchema, 'Running as a system job'),
    ...errors(403),
  },
});

export function bulkRoutes(api: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  openRoute(api, bulk, async (c) => {
    const principal = c.get('principal');
    assertCanWrite(principal);
    const body = c.req.valid('json');
    const tenant = bulkTenant(body.filter?.tenant, c.req.valid('query').tenant);
    const scope = requestScope(principal, tenant, body.filter?.tenant === undefined ? 'tenant' : 'filter.tenant');
    if (body.filter !== undefined) {
      const filter = withoutParams(queryForm(body.filter), 'tenant');
      checkFilter(filter);
      const job = await startSystemJob(services, principal, scope, BULK_OPERATION, { operation: body.op, filter });
      c.header('Location', `/api/jobs/${job.id}`);
      return c.json({ job }, 202);
    }
    const results = await applyEach(services, body.op, [...new Set(body.ids)], scope);
    const ok = Object.values(results).filter((r) => r.status === 'ok').length;
    return c.json({ op: body.op, results, ok, failed: Object.keys(results).length - ok }, 200);
  });

  openRoute(api, clearInactive, async (c) => {
    const principal = c.get('principal');
    assertCanWrite(principal);
    const scope = requestScope(principal, c.req.valid('query').tenant);
    const limit = services.limits.clearInlineJobs;
    const query = parseJobQuery({ ...INACTIVE_FILTER, _size: String(limit + 1) });
    const page = await services.engine.monitor.jobs(scope, query, services.cursors, services.now());
    if (page.items.length > limit || page.nextCursor !== null) {
      const job = await startSystemJob(services, principal, scope, CLEAR_INACTIVE, {});
      c.header('Location', `/api/jobs/${job.id}`);
      return c.json({ job }, 202);
    }
    const results = await applyEach(
      services,
      'delete',
      page.items.map((job) => job.id),
      scope,
    );
    return c.json({ deleted: Object.values(results).filter((r) => r.status === 'ok').length }, 200);
  });
}

/** The tenant a bulk request narrows to: one place or the other, never two that disagree. */
function bulkTenant(inFilter: string | undefined, inQuery: string | undefined): string | undefined {
  if (inFilter !== undefined && inQuery !== undefined && inFilter !== inQuery) {
    throw new BadRequestError(`filter.tenant must be the tenant parameter ("${inQuery}") when both are given; got "${inFilter}"`, 'filter.tenant');
  }
  return inFilter ?? inQuery;
}

/** A validated filter as the query string GET /api/jobs would take, which is what the system job reads. */
function queryForm(filter: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(filter)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : String(value)]),
  );
}

/**
 * The body's validation checked each filter parameter as GET /api/jobs does; what a schema
 * cannot say (a range ending before it starts) is checked now, so it answers 400 here rather
 * than failing the system job later.
 */
function checkFilter(filter: Record<string, string>): void {
  try {
    parseJobQuery(filter);
  } catch (error) {
    // What the schema cannot say (a range ending before it starts): the same words, under filter.
    if (error instanceof BadRequestError) throw new BadRequestError(`filter.${error.message}`, `filter.${error.field ?? 'query'}`);
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
          results[id] =
            error instanceof StintError && error.code !== 'internal'
              ? { status: 'error', code: error.code === 'leaseLost' ? 'conflict' : error.code, message: error.message }
              : { status: 'error', code: 'internal', message: 'internal error' };
        }
      }),
    );
  }
  return results;
}
