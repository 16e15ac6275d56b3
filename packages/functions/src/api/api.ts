import { OpenAPIHono } from '@hono/zod-openapi';
import { Authenticator, createOidcVerifier } from '@stint/core/auth';
import type { ApiEnv } from './api-env.ts';
import type { ApiOptions } from './api-options.ts';
import { authenticate } from './authenticate.ts';
import { createErrorHandler, errorBody, validationHook } from './error-mapping.ts';
import { registerComponents } from './open-api.ts';
import { DEFAULT_RATE_LIMIT, rateLimit, TokenBuckets } from './rate-limit.ts';
import { requestLimits } from './request-limits.ts';
import { bulkRoutes } from './routes/bulk.ts';
import { docsRoutes } from './routes/docs.ts';
import { eventRoutes } from './routes/events.ts';
import { exportRoutes } from './routes/export.ts';
import { healthRoutes } from './routes/health.ts';
import { jobTypeRoutes } from './routes/job-types.ts';
import { jobRoutes } from './routes/jobs.ts';
import { keyRoutes } from './routes/keys.ts';
import { logRoutes } from './routes/logs.ts';
import { operationRoutes } from './routes/operations.ts';
import { scheduleRoutes } from './routes/schedules.ts';
import { summaryRoutes } from './routes/summary.ts';
import { waitRoutes } from './routes/wait.ts';
import { apiSecurityHeaders, noStore } from './security-headers.ts';
import { createServices } from './services.ts';

/**
 * The HTTP api: a Hono router the Lambda adapter, the local stack and tests all serve as it is.
 * Middleware order: errors are mapped for everything; security headers go on every answer,
 * refusals included; every request's size is checked before anything reads it (the
 * monitor's too, when it is mounted beside it); /health answers before authentication;
 * every /api route authenticates, then is rate limited per principal.
 */
export function createApi(options: ApiOptions): OpenAPIHono<ApiEnv> {
  const services = createServices(options);
  const api = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  api.onError(createErrorHandler(options.onUnexpectedError));
  api.notFound((c) => c.json(errorBody('notFound', `no route ${c.req.method} ${c.req.path}`), 404));
  registerComponents(api);
  // Bound to the api's own paths: the monitor, mounted beside it, sets its headers itself.
  // Before the size checks, so their refusals carry the headers too.
  const headers = apiSecurityHeaders();
  api.use('/health', headers);
  api.use('/api/*', headers, noStore);
  api.use('*', requestLimits());
  healthRoutes(api);
  const authenticator = new Authenticator({
    keys: services.keys,
    adminToken: options.auth?.adminToken ?? null,
    oidc: options.auth?.oidc ? createOidcVerifier(options.auth.oidc) : null,
  });
  if (options.sessionAuth) api.use('/api/*', options.sessionAuth);
  api.use('/api/*', authenticate(authenticator));
  if (options.rateLimit !== false) api.use('/api/*', rateLimit(new TokenBuckets(options.rateLimit ?? DEFAULT_RATE_LIMIT)));

  // Static job paths before /api/jobs/{id}: a route registered earlier answers first, and
  // `export.csv`, `bulk` and `clear-inactive` are valid job ids to the {id} routes.
  exportRoutes(api, services);
  bulkRoutes(api, services);
  jobRoutes(api, services);
  jobTypeRoutes(api, services);
  eventRoutes(api, services);
  operationRoutes(api, services);
  logRoutes(api, services);
  waitRoutes(api, services);
  summaryRoutes(api, services);
  scheduleRoutes(api, services);
  keyRoutes(api, services);
  docsRoutes(api);
  return api;
}
