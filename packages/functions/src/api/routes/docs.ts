import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from '../api-env.ts';
import { renderDocsPage } from '../docs-page.ts';
import { openApiDocument } from '../open-api.ts';
import { errors } from '../schemas.ts';

const openApi = createRoute({
  method: 'get',
  path: '/api/openapi.json',
  tags: ['reference'],
  summary: 'This document (OpenAPI 3.1)',
  responses: { 200: { description: 'The OpenAPI document', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } }, ...errors() },
});

const docs = createRoute({
  method: 'get',
  path: '/api/docs',
  tags: ['reference'],
  summary: 'Human-readable reference of every route',
  responses: { 200: { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } }, ...errors() },
});

/** Built on first request, once every route is registered, then reused. */
export function docsRoutes(app: OpenAPIHono<ApiEnv>): void {
  let document: ReturnType<typeof openApiDocument> | undefined;
  let page: string | undefined;
  const built = () => (document ??= openApiDocument(app));
  app.openapi(openApi, (c) => c.json(built() as unknown as Record<string, unknown>, 200));
  app.openapi(docs, (c) => c.html((page ??= renderDocsPage(built())), 200));
}
