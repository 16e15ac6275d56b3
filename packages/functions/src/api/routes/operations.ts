import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Operation } from '@stint/core';
import type { ApiEnv } from '../api-env.ts';
import { errors, JobIdParams, JobSchema, jsonContent } from '../schemas.ts';
import { assertCanChange, type ApiServices } from '../services.ts';

/** Each job operation as a route: method, path under /api/jobs/{id}, and what the lifecycle calls it. */
const OPERATION_ROUTES: Array<{ method: 'post' | 'delete'; path: string; operation: Exclude<Operation, 'delete'>; summary: string }> = [
  { method: 'post', path: 'stop', operation: 'stop', summary: 'Stop a job gracefully (and its unfinished descendants)' },
  { method: 'post', path: 'resume', operation: 'resume', summary: 'Resume a stopped job from its last checkpoint' },
  { method: 'post', path: 'force-stop', operation: 'force-stop', summary: 'Force-stop a stopping job (revokes its lease; may leave data inconsistent)' },
  { method: 'post', path: 'cancel', operation: 'cancel', summary: 'Cancel a stopped job (discards checkpoints, cancels its children)' },
  { method: 'post', path: 'restart', operation: 'restart', summary: 'Restart a finished job of a restartable type from scratch (a child once its parent has ended)' },
  { method: 'post', path: 'low-priority', operation: 'set-low-priority', summary: 'Set the low-priority flag (setLowPriority)' },
  { method: 'delete', path: 'low-priority', operation: 'remove-low-priority', summary: 'Remove the low-priority flag (removeLowPriority)' },
];

const remove = createRoute({
  method: 'delete',
  path: '/api/jobs/{id}',
  tags: ['operations'],
  summary: 'Delete an ended job and its logs (active jobs answer 409)',
  request: { params: JobIdParams },
  responses: { 204: { description: 'Deleted' }, ...errors(400, 403, 404, 409) },
});

export function operationRoutes(app: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  for (const { method, path, operation, summary } of OPERATION_ROUTES) {
    const route = createRoute({
      method,
      path: `/api/jobs/{id}/${path}`,
      tags: ['operations'],
      summary,
      request: { params: JobIdParams },
      responses: { 200: jsonContent(JobSchema, 'The job after the operation'), ...errors(400, 403, 404, 409) },
    });
    app.openapi(route, async (c) => {
      const { id } = c.req.valid('param');
      const job = await services.engine.apply(operation, id, await assertCanChange(services, c.get('principal'), id));
      return c.json(job!, 200);
    });
  }

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    await services.engine.apply('delete', id, await assertCanChange(services, c.get('principal'), id));
    return c.body(null, 204);
  });
}
