import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { submissionSchema } from '@stint/core';
import { submissionTenant } from '@stint/core/auth';
import { jobQuerySchema, parseJobQuery } from '@stint/core/query';
import type { ApiEnv } from '../api-env.ts';
import { errors, openRoute } from '../api-route.ts';
import { JobIdParams, JobPageSchema, JobSchema, jsonBody, jsonContent, TenantParam } from '../schemas.ts';
import { requestScope, withoutParams, type ApiServices } from '../services.ts';

/**
 * The submission body with `type` narrowed to the job types this deployment registered, so the
 * document lists what may be submitted and an unknown type is refused like any other value.
 */
function submitRoute(types: readonly string[]) {
  const [first, ...rest] = types;
  const body =
    first === undefined
      ? submissionSchema
      : // Documented, not validated here: core refuses an unknown type (400) and one the caller
        // may not start (403 naming it) in one place, for every way in.
        submissionSchema.extend({
          type: z.string({ error: `must be a job type this deployment runs (${types.join(', ')})` }).openapi({ enum: [first, ...rest] }),
        });
  return createRoute({
    method: 'post',
    path: '/api/jobs',
    operationId: 'submitJob',
    tags: ['jobs'],
    summary: 'Submit a job',
    description:
      'The job belongs to the caller’s tenant; an admin may name one (default `default`). A repeated `idempotencyKey` answers 200 with the job it made first. ' +
      'Each type says who may submit it (`GET /api/job-types` lists the caller’s); another answers 403 naming the type. ' +
      'The job runs as the caller: only admins may name someone else as `runBy`, and the job then records them as `submittedBy`.',
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

export function jobRoutes(api: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  openRoute(
    api,
    submitRoute(
      services.engine
        .jobTypes()
        .external()
        .map((definition) => definition.type),
    ),
    async (c) => {
      const principal = c.get('principal');
      const body = c.req.valid('json');
      const tenant = submissionTenant(principal, body.tenant);
      await services.tenants.remember(tenant);
      // Who may submit the type, and for whom, is core's rule (auth/job-access.ts).
      const { job, created } = await services.engine.submit({ ...body, tenant, submitter: { kind: 'caller', principal } });
      if (created) c.header('Location', `/api/jobs/${job.id}`);
      return created ? c.json(job, 201) : c.json(job, 200);
    },
  );

  openRoute(api, find, async (c) => {
    const params = c.req.query();
    const scope = requestScope(c.get('principal'), params.tenant);
    const page = await services.engine.monitor.jobs(scope, parseJobQuery(withoutParams(params, 'tenant')), services.cursors, services.now());
    return c.json({ items: page.items, nextCursor: page.nextCursor, partial: page.partial }, 200);
  });

  openRoute(api, getJob, async (c) => {
    const job = await services.engine.get(c.req.valid('param').id, requestScope(c.get('principal'), undefined));
    return c.json(job, 200);
  });
}
