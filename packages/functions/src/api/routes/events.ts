import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { EVENT_NAME_PATTERN, EVENT_RETENTION_MS, MAX_EVENT_KEY } from '@stint/core';
import { submissionTenant } from '@stint/core/auth';
import type { ApiEnv } from '../api-env.ts';
import { errors, openRoute } from '../api-route.ts';
import { jsonBody, jsonContent, TenantParam } from '../schemas.ts';
import type { ApiServices } from '../services.ts';

const EventBody = z
  .strictObject({
    name: z.string().regex(EVENT_NAME_PATTERN).openapi({
      description: 'The event’s name, as a job waits for it: 1 to 128 letters, digits, dots, colons, dashes or underscores',
      example: 'export.approved',
    }),
    key: z
      .string()
      .min(1)
      .max(MAX_EVENT_KEY)
      .openapi({ description: 'Which wait it answers (for an approval, the job’s id): 1 to 512 characters', example: '0mx3wsq95zmg9prqj9k79vf94' }),
    data: z.record(z.string(), z.unknown()).nullable().optional().openapi({ description: 'What the waiting job receives (at most 64 KB as JSON)' }),
    id: z.string().regex(EVENT_NAME_PATTERN).optional().openapi({ description: 'Your id for the event: sending it again changes nothing' }),
    tenant: TenantParam,
  })
  .openapi('EventSubmission');

const EventSent = z
  .object({
    id: z.string().openapi({ description: 'The event’s id' }),
    woken: z.number().int().openapi({ description: 'Jobs that were waiting for it and were woken' }),
  })
  .openapi('EventSent');

const send = createRoute({
  method: 'post',
  path: '/api/events',
  operationId: 'sendEvent',
  tags: ['jobs'],
  summary: 'Send an outside event to the jobs waiting for it',
  description:
    'Wakes the jobs of the tenant that wait in `ctx.waitForEvent(name, { key })`; each takes the event’s `data`. ' +
    `An event no job waits for yet is kept ${EVENT_RETENTION_MS / 3_600_000} hours, for a wait that begins later. ` +
    'The event belongs to the caller’s tenant; an admin may name one (default `default`). Viewers may not send events.',
  request: { body: jsonBody(EventBody) },
  responses: { 202: jsonContent(EventSent, 'The event, stored; the waiting jobs woken'), ...errors(403) },
});

export function eventRoutes(api: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  openRoute(api, send, async (c) => {
    const { tenant: requested, ...event } = c.req.valid('json');
    const principal = c.get('principal');
    const tenant = submissionTenant(principal, requested);
    return c.json(await services.engine.sendEvent({ ...event, tenant, sender: { kind: 'caller', principal } }), 202);
  });
}
