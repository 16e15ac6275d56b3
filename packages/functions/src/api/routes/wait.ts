import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { JOB_STATUSES, type JobStatus, jobStatusSchema, TimeoutError } from '@stint/core';
import { intParam, listParam } from '@stint/core/query';
import type { ApiEnv } from '../api-env.ts';
import { errors, openRoute } from '../api-route.ts';
import { JobIdParams, JobSchema, jsonContent, WaitingSchema } from '../schemas.ts';
import { requestScope, type ApiServices } from '../services.ts';

/** A day: waits beyond that are a scheduling problem, not a wait. */
const MAX_WAIT_MS = 86_400_000;
const FIRST_POLL_MS = 100;
/** Polls slow down to this; each is one strongly consistent GetItem. */
const MAX_POLL_MS = 2_000;

export const waitQuerySchema = z.strictObject({
  status: listParam(jobStatusSchema, `statuses (${JOB_STATUSES.join(', ')})`, JOB_STATUSES.length),
  maxTimeToWait: intParam(0, MAX_WAIT_MS, `must be milliseconds, a whole number from 0 to ${MAX_WAIT_MS}`),
});

const wait = createRoute({
  method: 'get',
  path: '/api/jobs/{id}/wait',
  operationId: 'waitForJob',
  tags: ['jobs'],
  summary: 'Wait for a job to reach a status (sys.jobs.waitForJob)',
  description:
    'Long poll. One request waits at most 25 s (API Gateway ends requests at 30 s). If the job reaches one of `status` in time: 200 with the job. ' +
    'If `maxTimeToWait` runs out first: 408 `timeout`. If it is longer than one request may wait: 202 `waiting`; call again with `maxTimeToWait` = `remainingMs` ' +
    '(the typed client does this loop).',
  request: { params: JobIdParams, query: waitQuerySchema },
  responses: {
    200: jsonContent(JobSchema, 'The job, in one of the statuses'),
    202: jsonContent(WaitingSchema, 'Not yet; call again'),
    ...errors(404, 408),
  },
});

export function waitRoutes(api: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  openRoute(api, wait, async (c) => {
    const { id } = c.req.valid('param');
    const query = c.req.valid('query');
    const statuses = query.status as JobStatus[];
    const scope = requestScope(c.get('principal'), undefined);
    const started = Date.now();
    const budget = Math.min(query.maxTimeToWait, services.limits.longPollMs);
    let delay = FIRST_POLL_MS;
    for (;;) {
      const job = await services.engine.get(id, scope);
      if (statuses.includes(job.status)) return c.json(job, 200);
      const waited = Date.now() - started;
      if (waited >= budget || c.req.raw.signal.aborted) {
        if (query.maxTimeToWait <= budget) {
          throw new TimeoutError(`job ${id} is ${job.status}; it did not reach ${statuses.join(' or ')} within ${query.maxTimeToWait} ms`);
        }
        return c.json({ status: 'waiting' as const, retryAfterMs: 0, remainingMs: Math.max(0, query.maxTimeToWait - waited), job }, 202);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, budget - waited)));
      delay = Math.min(delay * 2, MAX_POLL_MS);
    }
  });
}
