import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from '../api-env.ts';

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['reference'],
  summary: 'Liveness; needs no credentials and touches no AWS service',
  security: [],
  responses: { 200: { description: 'Up', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
});

export function healthRoutes(app: OpenAPIHono<ApiEnv>): void {
  app.openapi(health, (c) => c.json({ status: 'ok' as const }, 200));
}
