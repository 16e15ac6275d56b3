import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from '../api-env.ts';
import { openRoute } from '../api-route.ts';
import { renderDocsPage } from '../docs-page.ts';
import { openApiDocument, servedFrom } from '../open-api.ts';

const openApi = createRoute({
  method: 'get',
  path: '/api/openapi.json',
  operationId: 'getOpenApiDocument',
  tags: ['reference'],
  summary: 'This document (OpenAPI 3.1)',
  description: 'Its `servers` entry is the origin it was requested from, so a client generated from it calls the same deployment.',
  responses: { 200: { description: 'The OpenAPI document', content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } } },
});

const docs = createRoute({
  method: 'get',
  path: '/api/docs',
  operationId: 'getDocsPage',
  tags: ['reference'],
  summary: 'Human-readable reference of every route',
  description: 'One server-rendered page without scripts, built from this document.',
  responses: { 200: { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } } },
});

/** Built on first request, once every route is registered, then reused. */
export function docsRoutes(api: OpenAPIHono<ApiEnv>): void {
  let document: ReturnType<typeof openApiDocument> | undefined;
  let page: string | undefined;
  const built = (url: string) => {
    document ??= openApiDocument(api);
    return servedFrom(document, new URL(url).origin);
  };
  openRoute(api, openApi, (c) => c.json(built(c.req.url) as unknown as Record<string, unknown>, 200));
  openRoute(api, docs, (c) => {
    page ??= renderDocsPage(built(c.req.url));
    return c.html(page, 200);
  });
}
