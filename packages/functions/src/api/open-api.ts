import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from './api-env.ts';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_QUERY_BYTES } from './request-limits.ts';
import { ErrorSchema } from './schemas.ts';

/** Every operation carries one of these; the document describes each. */
export const TAGS = {
  jobs: 'Submit jobs, find them, read one, wait for one to reach a status',
  operations: 'Change jobs: stop, resume, cancel, restart, retry, priority, delete — one job, a list of ids, or every job a filter matches',
  logs: 'A job’s log lines: read, tail, add',
  export: 'Jobs as CSV, and the result files jobs leave behind',
  monitor: 'The monitor’s count cards and statistics',
  schedules: 'Scheduled jobs: list, plan, report, run now, latest runs',
  keys: 'API keys (admins only)',
  reference: 'This document, its HTML rendering, and liveness',
} as const;
export type Tag = keyof typeof TAGS;

const OPENAPI_CONFIG = {
  openapi: '3.1.0',
  info: {
    title: 'Stint API',
    version: '1.0.0',
    description:
      'Durable background jobs and their monitor: submit, find, operate, read logs, wait, export, statistics. ' +
      'Every route but /health needs `Authorization: Bearer <token>`: an API key, the bootstrap admin token, or an OIDC token. ' +
      'Errors are `{ "error": { "code", "message", "field"? } }`. ' +
      `Every route refuses a query parameter it does not document, a parameter given twice, a query string over ${MAX_QUERY_BYTES} bytes (431), ` +
      `a body over ${MAX_BODY_BYTES} bytes (413) and JSON nested deeper than ${MAX_JSON_DEPTH} levels (400).`,
    // The project has not chosen a license: no rights are granted beyond what its owner gives.
    license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    contact: { name: 'Stint maintainers' },
  },
  tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
  security: [{ bearerAuth: [] }],
};

/** The OpenAPI 3.1 document of an api, built from the zod schemas its routes validate with. */
export function openApiDocument(api: OpenAPIHono<ApiEnv>) {
  return api.getOpenAPI31Document(OPENAPI_CONFIG);
}

/** The document as served from `origin`: the one server a client of this deployment calls. */
export function servedFrom<D extends object>(document: D, origin: string): D & { servers: Array<{ url: string; description: string }> } {
  return { ...document, servers: [{ url: origin, description: 'The deployment that served this document' }] };
}

const ERROR_RESPONSES = {
  BadRequest: [400, 'badRequest: invalid input — an unknown or repeated query parameter, a value outside its schema, JSON nested too deep; `field` names it'],
  Unauthorized: [401, 'unauthorized: no, unknown or revoked credentials'],
  Forbidden: [403, 'forbidden: the role may not do this'],
  NotFound: [404, 'notFound: no such job, schedule or key in the caller’s tenants'],
  Timeout: [408, 'timeout: the job did not reach the status in time'],
  Conflict: [409, 'conflict: not allowed from the current status, or lost a race'],
  TooLarge: [413, `tooLarge: the body is over ${MAX_BODY_BYTES} bytes`],
  RateLimited: [429, 'rateLimited: too many requests; retry after the seconds in Retry-After'],
  HeadersTooLarge: [431, `headersTooLarge: the query string is over ${MAX_QUERY_BYTES} bytes, or the request line and headers over what the server reads`],
  Unavailable: [
    503,
    'unavailable: the job store refused the request for capacity (a hot key, or the account’s request rate); nothing was changed by what it refused; retry after the seconds in Retry-After',
  ],
} as const;
type ErrorResponseName = keyof typeof ERROR_RESPONSES;
export type ErrorStatus = (typeof ERROR_RESPONSES)[ErrorResponseName][0];

const NAME_OF = Object.fromEntries(Object.entries(ERROR_RESPONSES).map(([name, [status]]) => [status, name])) as Record<ErrorStatus, ErrorResponseName>;

/** References to the shared error answers, by status. */
export function errorResponses<S extends ErrorStatus>(statuses: readonly S[]): Record<S, { $ref: string }> {
  return Object.fromEntries(statuses.map((status) => [status, { $ref: `#/components/responses/${NAME_OF[status]}` }])) as Record<S, { $ref: string }>;
}

/** The components every operation refers to: bearer authentication and the error answers. */
export function registerComponents(api: OpenAPIHono<ApiEnv>): void {
  const registry = api.openAPIRegistry;
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (stint_…), the bootstrap admin token (STINT_ADMIN_TOKEN), or an OIDC JWT from the configured issuer',
  });
  registry.register('Error', ErrorSchema);
  for (const [name, [status, description]] of Object.entries(ERROR_RESPONSES)) {
    registry.registerComponent('responses', name, {
      description,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      ...(status === 429 || status === 503
        ? { headers: { 'Retry-After': { description: 'Seconds until a request is allowed again', schema: { type: 'integer', minimum: 1 } } } }
        : {}),
    });
  }
}
