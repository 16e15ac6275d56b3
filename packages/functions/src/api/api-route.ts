import type { OpenAPIHono, RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type * as z from 'zod';
import { BadRequestError, parseInput, unknownKey } from '@stint/core';
import type { ApiEnv } from './api-env.ts';
import { errorResponses, type ErrorStatus } from './open-api.ts';

/**
 * A route of the api: what the contract asks of every operation, on top of zod-openapi's.
 * Its tags must be among TAGS; the document's linters refuse any other.
 */
export type ApiRoute = RouteConfig & { operationId: string; description: string; tags: string[] };

/**
 * The answers a route gives besides its own: refusals of the request's shape and size, and for
 * /api, of its credentials and rate, and 503 when the table refuses for capacity (an API key is
 * looked up in it, so even a route that reads nothing else can meet a throttled table). A GET
 * has no body to refuse (Node's server and the Lambda adapter drop one), so only the others can
 * answer 413.
 */
const EVERY_ROUTE: ErrorStatus[] = [400, 431];
const WITH_BODY: ErrorStatus[] = [413];
const AUTHENTICATED: ErrorStatus[] = [401, 429, 503];

/** The route-specific refusals a route adds to its responses: `...errors(403, 404)`. */
export function errors<S extends 403 | 404 | 408 | 409>(...statuses: S[]) {
  return errorResponses(statuses);
}

/**
 * Registers a route, in the document and in the api, with one refusal policy for all: the
 * document lists the route's own answers and every shared refusal; the query string is read
 * by `queryPolicy` rather than by a per-route validator, so unknown and repeated parameters
 * and empty values are treated alike everywhere. A body is validated before the handler runs,
 * unless the handler reads it itself (`bodyReadBy: 'handler'`) after checks that come first.
 */
export function openRoute<R extends ApiRoute>(
  api: OpenAPIHono<ApiEnv>,
  route: R,
  handler: RouteHandler<R, ApiEnv>,
  options: { bodyReadBy?: 'validator' | 'handler' } = {},
): void {
  const shared = [...EVERY_ROUTE, ...(route.method === 'get' ? [] : WITH_BODY), ...(route.security?.length === 0 ? [] : AUTHENTICATED)];
  const responses = Object.fromEntries(Object.entries({ ...errorResponses(shared), ...route.responses }).sort(([a], [b]) => Number(a) - Number(b)));
  const { middleware: _middleware, ...definition } = route;
  api.openAPIRegistry.registerPath({ ...definition, responses });
  const { query, body, ...request } = route.request ?? {};
  if (body !== undefined && options.bodyReadBy !== 'handler') Object.assign(request, { body });
  api.openapi({ ...route, request, hide: true, middleware: [queryPolicy(query as z.ZodObject | undefined)] } as R, handler);
}

/**
 * One rule for every query string. A parameter the route does not document is refused with
 * the ones it does, rather than ignored: a misspelt filter on a destructive route must not
 * widen what it touches. A parameter given twice is refused rather than resolved (first or
 * last wins would differ between proxies and this server). An empty value counts as not
 * given, as HTML forms send them. The values are then checked against the documented schema.
 */
export function queryPolicy(schema: z.ZodObject | undefined): MiddlewareHandler<ApiEnv> {
  const known = schema === undefined ? [] : Object.keys(schema.shape);
  return async (c, next) => {
    const given = c.req.queries();
    const params: Record<string, string> = {};
    for (const [name, values] of Object.entries(given)) {
      if (!known.includes(name)) throw unknownKey([name], { kind: 'parameter', known });
      if (values.length > 1) throw new BadRequestError(`${name} must be given once; got ${values.length} values`, name);
      if (values[0] !== undefined && values[0] !== '') params[name] = values[0];
    }
    c.req.addValidatedData('query', schema === undefined ? {} : parseInput(schema, params, { kind: 'parameter', known }));
    await next();
  };
}
