import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { submissionSchema } from '@stint/core';
import { submissionTenant } from '@stint/core/auth/authorize';
import { findJobs } from '@stint/core/query/job-finder';
import { jobQuerySchema, parseJobQuery } from '@stint/core/query/job-query';
import type { ApiEnv } from '../api-env.ts';
import { documented } from '../documented.ts';
import { errors, JobIdParams, JobPageSchema, JobSchema, jsonBody, jsonContent, TenantParam } from '../schemas.ts';
import { requestFinderScope, requestScope, withoutParams, type ApiServices } from '../services.ts';

const submit = createRoute({
  method: 'post',
  path: '/api/jobs',
  tags: ['jobs'],
  summary: 'Submit a job',
  description:
    'The job belongs to the caller’s tenant; an admin may name one (default `default`). A repeated `idempotencyKey` answers 200 with the job it made first. ' +
    'Each type says who may submit it (`GET /api/job-types` lists the caller’s); another answers 403 naming the type. ' +
    'The job runs as the caller: only admins may name someone else as `runBy`, and the job then records them as `submittedBy`.',
  request: { body: jsonBody(submissionSchema) },
  responses: {
    201: jsonContent(JobSchema, 'The job, accepted'),
    200: jsonContent(JobSchema, 'The job an earlier submission with this idempotencyKey made'),
    ...errors(400, 403, 404, 409),
  },
});

const getJob = createRoute({
  method: 'get',
  path: '/api/jobs/{id}',
  tags: ['jobs'],
  summary: 'Find a job by id (sys.jobs.findById)',
  request: { params: JobIdParams },
  responses: { 200: jsonContent(JobSchema, 'The job'), ...errors(400, 404) },
});

const find = createRoute({
  method: 'get',
  path: '/api/jobs',
  tags: ['jobs'],
  summary: 'Find jobs (sys.jobs.find)',
  description: 'Newest first (or by name with sort=name), filtered, one page per request; follow `nextCursor`.',
  request: { query: jobQuerySchema.extend({ tenant: TenantParam }) },
  responses: { 200: jsonContent(JobPageSchema, 'One page of jobs'), ...errors(400, 403) },
});

export function jobRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  app.openapi(submit, async (c) => {
    const principal = c.get('principal');
    const body = c.req.valid('json');
    const tenant = submissionTenant(principal, body.tenant);
    await services.tenants.remember(tenant);
    // Who may submit the type, and for whom, is core's rule (auth/job-access.ts).
    const { job, created } = await services.engine.submit({ ...body, tenant, submitter: { kind: 'caller', principal } });
    if (created) c.header('Location', `/api/jobs/${job.id}`);
    return created ? c.json(job, 201) : c.json(job, 200);
  });

  documented(app, find, async (c) => {
    const params = c.req.query();
    const scope = await requestFinderScope(services, c.get('principal'), params.tenant);
    const page = await findJobs(services.engine.deps.jobs, scope, parseJobQuery(withoutParams(params, 'tenant')), services.now(), services.cursors);
    return c.json({ items: page.items, nextCursor: page.nextCursor, partial: page.partial }, 200);
  });

  app.openapi(getJob, async (c) => {
    const job = await services.engine.get(c.req.valid('param').id, requestScope(c.get('principal'), undefined));
    return c.json(job, 200);
  });
}
