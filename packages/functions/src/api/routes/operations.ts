import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { ALLOWED_FROM, type Operation } from '@stint/core';
import type { ApiEnv } from '../api-env.ts';
import { errors, openRoute } from '../api-route.ts';
import { JobIdParams, JobSchema, jsonContent } from '../schemas.ts';
import { assertCanChange, type ApiServices } from '../services.ts';

/** Each job operation as a route: method, path under /api/jobs/{id}, what the lifecycle calls it, and its operationId. */
const OPERATION_ROUTES: Array<{
  method: 'post' | 'delete';
  path: string;
  operation: Exclude<Operation, 'delete'>;
  operationId: string;
  summary: string;
}> = [
  {
    method: 'post',
    path: 'stop',
    operation: 'stop',
    operationId: 'stopJob',
    summary: 'Stop a job gracefully (and its unfinished descendants)',
  },
  {
    method: 'post',
    path: 'resume',
    operation: 'resume',
    operationId: 'resumeJob',
    summary: 'Resume a stopped job from its last checkpoint',
  },
  {
    method: 'post',
    path: 'force-stop',
    operation: 'force-stop',
    operationId: 'forceStopJob',
    summary: 'Force-stop a stopping job (revokes its lease; may leave data inconsistent)',
  },
  {
    method: 'post',
    path: 'cancel',
    operation: 'cancel',
    operationId: 'cancelJob',
    summary: 'Cancel a stopped job (discards checkpoints, cancels its children)',
  },
  {
    method: 'post',
    path: 'restart',
    operation: 'restart',
    operationId: 'restartJob',
    summary: 'Restart a finished job of a restartable type from scratch (a child once its parent has ended)',
  },
  {
    method: 'post',
    path: 'retry',
    operation: 'retry',
    operationId: 'retryJob',
    summary: 'Retry the failed work of a root job that ended with errors: its failed step, and its failed descendants; finished steps keep their results',
  },
  {
    method: 'post',
    path: 'low-priority',
    operation: 'set-low-priority',
    operationId: 'setLowPriority',
    summary: 'Set the low-priority flag (setLowPriority)',
  },
  {
    method: 'delete',
    path: 'low-priority',
    operation: 'remove-low-priority',
    operationId: 'removeLowPriority',
    summary: 'Remove the low-priority flag (removeLowPriority)',
  },
];

const remove = createRoute({
  method: 'delete',
  path: '/api/jobs/{id}',
  operationId: 'deleteJob',
  tags: ['operations'],
  summary: 'Delete an ended root job with its whole tree and their logs (active jobs answer 409)',
  description:
    `Applies to a root job that is ${ALLOWED_FROM.delete.join(' or ')} and whose descendants have all ended: the root, its descendants, their logs and checkpoints are removed ` +
    '(a wide tree is finished by a CASCADE system job). A child job alone answers 409 naming its root, and so does a tree with a job still active.',
  request: { params: JobIdParams },
  responses: { 204: { description: 'Deleted, or being deleted by a CASCADE job for a wide tree' }, ...errors(403, 404, 409) },
});

export function operationRoutes(api: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  for (const { method, path, operation, operationId, summary } of OPERATION_ROUTES) {
    const route = createRoute({
      method,
      path: `/api/jobs/{id}/${path}`,
      operationId,
      tags: ['operations'],
      summary,
      description: `Applies to a job that is ${ALLOWED_FROM[operation].join(' or ')}; from any other status it answers 409.`,
      request: { params: JobIdParams },
      responses: { 200: jsonContent(JobSchema, 'The job after the operation'), ...errors(403, 404, 409) },
    });
    openRoute(api, route, async (c) => {
      const { id } = c.req.valid('param');
      const job = await services.engine.apply(operation, id, await assertCanChange(services, c.get('principal'), id));
      return c.json(job!, 200);
    });
  }

  openRoute(api, remove, async (c) => {
    const { id } = c.req.valid('param');
    await services.engine.apply('delete', id, await assertCanChange(services, c.get('principal'), id));
    return c.body(null, 204);
  });
}
