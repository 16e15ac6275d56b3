import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { assertAdmin } from '@stint/core/auth';
import type { ApiEnv } from '../api-env.ts';
import { errors, openRoute } from '../api-route.ts';
import { ApiKeySchema, CreatedApiKeySchema, jsonBody, jsonContent, KeyIdParams, NewApiKeySchema } from '../schemas.ts';
import type { ApiServices } from '../services.ts';

const createKey = createRoute({
  method: 'post',
  path: '/api/keys',
  operationId: 'createKey',
  tags: ['keys'],
  summary: 'Issue an API key (admins)',
  description:
    'The key is in this response only; the table keeps its SHA-256. `tenant` is required for tenant-admin and viewer keys, and absent for admin keys.',
  request: { body: jsonBody(NewApiKeySchema) },
  responses: { 201: jsonContent(CreatedApiKeySchema, 'The new key'), ...errors(403) },
});

const listKeys = createRoute({
  method: 'get',
  path: '/api/keys',
  operationId: 'listKeys',
  tags: ['keys'],
  summary: 'List API keys, revoked ones included (admins)',
  description: 'In id order; the keys themselves are never shown again, only their ids and what they allow.',
  responses: { 200: jsonContent(z.object({ items: z.array(ApiKeySchema) }), 'Every key issued'), ...errors(403) },
});

const revokeKey = createRoute({
  method: 'delete',
  path: '/api/keys/{id}',
  operationId: 'revokeKey',
  tags: ['keys'],
  summary: 'Revoke an API key (admins); it stops working at once',
  description: 'The key stays in the listing with `revokedAt`; revoking it again changes nothing.',
  request: { params: KeyIdParams },
  responses: { 200: jsonContent(ApiKeySchema, 'The key, with revokedAt'), ...errors(403, 404) },
});

export function keyRoutes(api: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  openRoute(api, createKey, async (c) => {
    assertAdmin(c.get('principal'));
    const { key, info } = await services.keys.create(c.req.valid('json'));
    if (info.tenant) await services.tenants.remember(info.tenant);
    return c.json({ ...info, key }, 201);
  });

  openRoute(api, listKeys, async (c) => {
    assertAdmin(c.get('principal'));
    return c.json({ items: await services.keys.list() }, 200);
  });

  openRoute(api, revokeKey, async (c) => {
    assertAdmin(c.get('principal'));
    return c.json(await services.keys.revoke(c.req.valid('param').id), 200);
  });
}
