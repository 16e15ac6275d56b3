import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import type { Handler } from 'hono';
import type { ApiEnv } from './api-env.ts';

/**
 * Registers a route whose query string is parsed by a core parser (`parseJobQuery`,
 * `parseLogQuery`, ...) rather than by the route validator. The core parsers treat empty
 * values as absent and check cross-field rules (ranges, cursor/after), which a per-field
 * validator cannot; the document still shows their zod schemas, so what is documented and
 * what validates remain the same schema objects.
 */
export function documented(app: OpenAPIHono<ApiEnv>, route: RouteConfig, handler: Handler<ApiEnv>): void {
  const { middleware: _middleware, hide: _hide, ...definition } = route;
  app.openAPIRegistry.registerPath(definition);
  app.on(route.method.toUpperCase(), route.path.replaceAll(/\{(\w+)\}/g, ':$1'), handler);
}
