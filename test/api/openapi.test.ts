import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type Emulators } from '../support/stack.ts';
import { createApiStack, type ApiStack } from './api-stack.ts';

interface Operation {
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  responses: Record<string, { description?: string; $ref?: string }>;
  security?: unknown[];
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, unknown>;
    responses: Record<string, { description: string }>;
    securitySchemes: Record<string, { type: string; scheme: string }>;
  };
  security: unknown[];
}

const EXPECTED_ROUTES = [
  'GET /health',
  'POST /api/jobs',
  'GET /api/jobs',
  'GET /api/jobs/{id}',
  'GET /api/job-types',
  'POST /api/events',
  'DELETE /api/jobs/{id}',
  'POST /api/jobs/{id}/stop',
  'POST /api/jobs/{id}/resume',
  'POST /api/jobs/{id}/force-stop',
  'POST /api/jobs/{id}/cancel',
  'POST /api/jobs/{id}/restart',
  'POST /api/jobs/{id}/retry',
  'POST /api/jobs/{id}/low-priority',
  'DELETE /api/jobs/{id}/low-priority',
  'GET /api/jobs/{id}/logs',
  'POST /api/jobs/{id}/logs',
  'GET /api/jobs/{id}/wait',
  'GET /api/jobs/{id}/download',
  'GET /api/jobs/export.csv',
  'POST /api/jobs/bulk',
  'POST /api/jobs/clear-inactive',
  'GET /api/summary',
  'GET /api/stats',
  'GET /api/schedules',
  'GET /api/schedules/{id}',
  'PATCH /api/schedules/{id}',
  'POST /api/schedules/{id}/run',
  'POST /api/schedules/run',
  'GET /api/schedules/{id}/runs',
  'POST /api/keys',
  'GET /api/keys',
  'DELETE /api/keys/{id}',
  'GET /api/openapi.json',
  'GET /api/docs',
];

let emulators: Emulators;
let api: ApiStack;
let doc: Document;
beforeAll(async () => {
  emulators = await startEmulators();
  api = await createApiStack(emulators);
  doc = (await (await api.call('GET', '/api/openapi.json', { token: api.tokens.viewerA })).json()) as Document;
});
afterAll(async () => {
  await api?.stack.stop();
  await emulators?.stop();
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, path, op })));

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3.1 document listing every route exactly once', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Stint API', version: '1.0.0' });
    expect(
      operations()
        .map((o) => o.route)
        .sort(),
    ).toEqual([...EXPECTED_ROUTES].sort());
  });

  it('documents every route the app serves', () => {
    const served = api.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replaceAll(/:(\w+)/g, '{$1}')}`);
    expect([...new Set(served)].sort()).toEqual([...EXPECTED_ROUTES].sort());
  });

  it('gives every operation responses with descriptions, and every {id} a path parameter', () => {
    const resolve = (response: { description?: string; $ref?: string }) =>
      response.$ref ? doc.components.responses[response.$ref.split('/').pop()!]! : response;
    for (const { route, path, op } of operations()) {
      expect(Object.keys(op.responses).length, route).toBeGreaterThan(0);
      for (const response of Object.values(op.responses)) expect(resolve(response).description, route).toBeTruthy();
      if (path.includes('{id}'))
        expect(
          op.parameters?.some((p) => p.name === 'id' && p.in === 'path' && p.required),
          route,
        ).toBe(true);
      if (path !== '/health') expect(op.responses['401'], route).toBeDefined();
    }
  });

  it('describes the query parameters with the schemas that validate them', () => {
    const find = doc.paths['/api/jobs']!.get!;
    expect(find.parameters!.map((p) => p.name)).toEqual(
      expect.arrayContaining(['type', 'status', 'createFrom', 'hasErrors', '_size', 'cursor', 'q', 'sort', 'tenant']),
    );
    const logs = doc.paths['/api/jobs/{id}/logs']!.get!;
    expect(logs.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['level', 'message', 'from', 'to', 'period', '_size']));
    const wait = doc.paths['/api/jobs/{id}/wait']!.get!;
    expect(
      wait
        .parameters!.filter((p) => p.in === 'query' && p.required)
        .map((p) => p.name)
        .sort(),
    ).toEqual(['maxTimeToWait', 'status']);
  });

  it('declares bearer authentication, lifted only for /health', () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/health']!.get!.security).toEqual([]);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Job', 'Error', 'JobPage', 'LogPage', 'BulkRequest', 'ApiKey']));
  });

  it.each(EXPECTED_ROUTES.filter((route) => route !== 'GET /health'))('%s answers 401 without credentials and with a revoked key', async (route) => {
    const [method, path] = route.split(' ') as [string, string];
    const url = path.replace('{id}', '0000000000000000anyjob');
    const body = method === 'GET' || method === 'DELETE' ? undefined : {};
    for (const token of [null, api.tokens.revoked]) {
      const response = await api.call(method, url, { token, body });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
  });
});

describe('GET /api/docs', () => {
  it('renders every route on one page without scripts', async () => {
    const response = await api.call('GET', '/api/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    expect(html).not.toContain('<script');
    for (const route of EXPECTED_ROUTES) {
      const [method, path] = route.split(' ');
      expect(html, route).toContain(`<span class="method ${method!.toLowerCase()}">${method!.toLowerCase()}</span> <span class="path">${path}</span>`);
    }
  });
});
