import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { type ExternalType, type JobTypeCatalog, typeAccess } from '@stint/core/auth';
import type { ApiEnv } from '../api-env.ts';
import { errors, openRoute } from '../api-route.ts';
import { jsonContent } from '../schemas.ts';
import type { ApiServices } from '../services.ts';

const JobTypeSchema = z
  .object({
    type: z.string(),
    description: z.string().nullable(),
    system: z.boolean().openapi({ description: 'One of Stint’s own types; by hand only admins submit them' }),
    access: z.object({
      submit: z.enum(['admin', 'tenant-admin']).openapi({ description: 'The least role that may submit it' }),
      intake: z.boolean().openapi({ description: 'Whether intake messages (other AWS services) may submit it' }),
    }),
  })
  .openapi('JobType');

const JobTypeListSchema = z.object({ items: z.array(JobTypeSchema) }).openapi('JobTypeList');

/** Who may start a type, in the words of the document; the rule is core's (`typeAccess`). */
function who(definition: ExternalType): string {
  const { byHand, intake } = typeAccess(definition);
  return `${byHand === 'admin' ? 'admins' : 'admins and tenant-admins'}${definition.system ? ' (system type)' : ''}${intake ? ', intake' : ''}`;
}

/** The document lists this installation's types, so a reader sees who may start each without calling. */
function listRoute(jobTypes: JobTypeCatalog) {
  const lines = jobTypes
    .external()
    .map((definition) => `- \`${definition.type}\` (${who(definition)})${definition.description ? `: ${definition.description}` : ''}`);
  return createRoute({
    method: 'get',
    path: '/api/job-types',
    operationId: 'listJobTypes',
    tags: ['jobs'],
    summary: 'The job types the caller may submit',
    description: `Types \`POST /api/jobs\` accepts from the caller; any other answers 403 naming it. This installation’s types that may be submitted at all, and who may submit each:\n\n${lines.join('\n')}`,
    responses: { 200: jsonContent(JobTypeListSchema, 'Types the caller may submit, by name'), ...errors() },
  });
}

export function jobTypeRoutes(api: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  const jobTypes = services.engine.jobTypes();
  openRoute(api, listRoute(jobTypes), (c) => {
    const items = jobTypes.submittableBy(c.get('principal')).map((definition) => ({
      type: definition.type,
      description: definition.description ?? null,
      system: definition.system,
      access: definition.access,
    }));
    return c.json({ items }, 200);
  });
}
