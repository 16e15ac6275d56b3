import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from '../api-env.ts';
import { openRoute } from '../api-route.ts';

const health = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'health',
  tags: ['reference'],
  summary: 'Liveness; needs no credentials and touches no AWS service',
  description: 'For load balancers and uptime checks: answers 200 while the process serves requests.',
  security: [],
  responses: { 200: { description: 'Up', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
});

export function healthRoutes(api: OpenAPIHono<ApiEnv>): void {
  openRoute(api, health, (c) => c.json({ status: 'ok' as const }, 200));
}
