import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from './api-env.ts';

export const OPENAPI_CONFIG = {
  openapi: '3.1.0',
  info: {
    title: 'Stint API',
    version: '1.0.0',
    description:
      'Durable background jobs and their monitor: submit, find, operate, read logs, wait, export, statistics. ' +
      'Every route but /health needs `Authorization: Bearer <token>`: an API key, the bootstrap admin token, or an OIDC token. ' +
      'Errors are `{ "error": { "code", "message", "field"? } }`.',
  },
  security: [{ bearerAuth: [] }],
};

/** The OpenAPI 3.1 document of an app, built from the zod schemas its routes validate with. */
export function openApiDocument(app: OpenAPIHono<ApiEnv>) {
  return app.getOpenAPI31Document(OPENAPI_CONFIG);
}

export function registerSecurityScheme(app: OpenAPIHono<ApiEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (stint_…), the bootstrap admin token (STINT_ADMIN_TOKEN), or an OIDC JWT from the configured issuer',
  });
}
