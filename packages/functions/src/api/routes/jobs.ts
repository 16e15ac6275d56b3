import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ForbiddenError, submissionSchema } from '@stint/core';
import { submissionTenant } from '@stint/core/auth/authorize';
import { findJobs } from '@stint/core/query/job-finder';
import { jobQuerySchema, parseJobQuery } from '@stint/core/query/job-query';
import type { ApiEnv } from '../api-env.ts';
import { errors, openRoute } from '../api-route.ts';
import { JobIdParams, JobPageSchema, JobSchema, jsonBody, jsonContent, TenantParam } from '../schemas.ts';
import { requestFinderScope, requestScope, withoutParams, type ApiServices } from '../services.ts';

/**
 * The submission body with `type` narrowed to the job types this deployment registered, so the
 * document lists what may be submitted and an unknown type is refused like any other value.
 */
function submitRoute(types: readonly string[]) {
  const [first, ...rest] = types;
  const body =
    first === undefined
      ? submissionSchema
      : submissionSchema.extend({ type: z.enum([first, ...rest], { error: `must be a job type this deployment runs (${types.join(', ')})` }) });
  return createRoute({
    method: 'post',
    path: '/api/jobs',
    operationId: 'submitJob',
    tags: ['jobs'],
    summary: 'Submit a job',
    description:
      'The job belongs to the caller’s tenant; an admin may name one (default `default`). A repeated `idempotencyKey` answers 200 with the job it made first. ' +
      'System job types (the monitor’s exports and bulk operations) are for admins only.',
    request: { body: jsonBody(body) },
    responses: {
      201: jsonContent(JobSchema, 'The job, accepted'),
      200: jsonContent(JobSchema, 'The job an earlier submission with this idempotencyKey made'),
      ...errors(403, 404, 409),
    },
  });
}

const getJob = createRoute({
  method: 'get',
  path: '/api/jobs/{id}',
  operationId: 'getJob',
  tags: ['jobs'],
  summary: 'Find a job by id (sys.jobs.findById)',
  description: 'A job of a tenant the caller cannot see answers 404, as an unknown id does.',
  request: { params: JobIdParams },
  responses: { 200: jsonContent(JobSchema, 'The job'), ...errors(404) },
});

const find = createRoute({
  method: 'get',
  path: '/api/jobs',
  operationId: 'findJobs',
  tags: ['jobs'],
  summary: 'Find jobs (sys.jobs.find)',
  description:
    'Newest first (or by name with sort=name), filtered, one page per request; follow `nextCursor`. ' +
    'A range whose end is before its start (`createTo` < `createFrom`, likewise `startTo` and `endTo`) is refused.',
  request: { query: jobQuerySchema.extend({ tenant: TenantParam }) },
  responses: { 200: jsonContent(JobPageSchema, 'One page of jobs'), ...errors(403) },
});

export function jobRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  openRoute(app, submitRoute(services.engine.deps.registry.types()), async (c) => {
    const principal = c.get('principal');
    const body = c.req.valid('json');
    const tenant = submissionTenant(principal, body.tenant);
    // System types act across the jobs of a scope; only admins may start one by hand.
    if (services.engine.deps.registry.get(body.type)?.system && principal.role !== 'admin') {
      throw new ForbiddenError(`${body.type} is a system job type; only admins may submit it`);
    }
    await services.tenants.remember(tenant);
    const { job, created } = await services.engine.submit({ ...body, tenant, runBy: body.runBy ?? { id: principal.keyId, name: principal.name } });
    if (created) c.header('Location', `/api/jobs/${job.id}`);
    return created ? c.json(job, 201) : c.json(job, 200);
  });

  openRoute(app, find, async (c) => {
    const params = c.req.query();
    const scope = await requestFinderScope(services, c.get('principal'), params.tenant);
    const page = await findJobs(services.engine.deps.jobs, scope, parseJobQuery(withoutParams(params, 'tenant')), services.now(), services.cursors);
    return c.json({ items: page.items, nextCursor: page.nextCursor, partial: page.partial }, 200);
  });

  openRoute(app, getJob, async (c) => {
    const job = await services.engine.get(c.req.valid('param').id, requestScope(c.get('principal'), undefined));
    return c.json(job, 200);
  });
}
