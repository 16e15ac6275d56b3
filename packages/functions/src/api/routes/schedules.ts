import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { BadRequestError, parseInput, tenantSchema, type TenantScope } from '@stint/core';
import { assertCanWrite, type Principal } from '@stint/core/auth';
import {
  NEW_RECIPIENTS_PER_DAY,
  parseScheduleListQuery,
  parseSchedulePatch,
  parseScheduleRunsQuery,
  schedulePatchSchema,
  type ScheduleRef,
} from '@stint/core/schedules';
import type { ApiEnv } from '../api-env.ts';
import { errors, openRoute } from '../api-route.ts';
import {
  jsonBody,
  jsonContent,
  RunSchedulesSchema,
  ScheduleIdParams,
  ScheduleListQuerySchema,
  SchedulePageSchema,
  ScheduleRowSchema,
  ScheduleRunPageSchema,
  ScheduleRunsQuerySchema,
  ScheduleTenantParam,
  StartedRunSchema,
  StartedRunsSchema,
} from '../schemas.ts';
import { requestScope, withoutParams, type ApiServices } from '../services.ts';

const TAGS = ['schedules'];
const oneSchedule = { params: ScheduleIdParams, query: z.object({ tenant: ScheduleTenantParam }) };
const TENANT_RULE =
  'A per-tenant schedule is named with its `tenant` (admins must give it; others default to their own); an installation-wide one takes no `tenant`: either mistake answers 400.';

const list = createRoute({
  method: 'get',
  path: '/api/schedules',
  operationId: 'listSchedules',
  tags: TAGS,
  summary: 'List scheduled jobs',
  description:
    'Ordered by tenant, then id. Admins see every tenant’s schedules and the installation-wide ones (`tenant` narrows to one tenant, `_admin` to the installation-wide ones); ' +
    'tenant-admins and viewers see their own tenant’s.',
  request: { query: ScheduleListQuerySchema },
  responses: { 200: jsonContent(SchedulePageSchema, 'One page of schedules'), ...errors(403) },
});

const getOne = createRoute({
  method: 'get',
  path: '/api/schedules/{id}',
  operationId: 'getSchedule',
  tags: TAGS,
  summary: 'Find a schedule by id',
  description: `${TENANT_RULE} A schedule of a tenant the caller cannot see answers 404.`,
  request: oneSchedule,
  responses: { 200: jsonContent(ScheduleRowSchema, 'The schedule'), ...errors(404) },
});

const update = createRoute({
  method: 'patch',
  path: '/api/schedules/{id}',
  operationId: 'updateSchedule',
  tags: TAGS,
  summary: 'Change a schedule’s planning or reports',
  description:
    'Id, description, job type and scope are defined in code and cannot be changed. A new planning moves nextRunAt; new report recipients are subscribed first (they confirm by email). ' +
    `Each new address is sent a confirmation mail, so a schedule of a tenant may get at most ${NEW_RECIPIENTS_PER_DAY} new addresses a UTC day; beyond that the change is refused with 429 and Retry-After, and nothing changes. Addresses already on the list cost nothing. ` +
    TENANT_RULE,
  request: { ...oneSchedule, body: jsonBody(schedulePatchSchema) },
  responses: { 200: jsonContent(ScheduleRowSchema, 'The schedule after the change'), ...errors(403, 404, 409) },
});

const runOne = createRoute({
  method: 'post',
  path: '/api/schedules/{id}/run',
  operationId: 'runSchedule',
  tags: TAGS,
  summary: 'Run a schedule now, whatever its planning',
  description: `The run is an ordinary job with the caller as runBy; follow it at the Location given. ${TENANT_RULE}`,
  request: oneSchedule,
  responses: { 201: jsonContent(StartedRunSchema, 'The run started'), ...errors(403, 404) },
});

const runMany = createRoute({
  method: 'post',
  path: '/api/schedules/run',
  operationId: 'runSchedules',
  tags: TAGS,
  summary: 'Run several schedules now',
  description: `Every schedule is checked before any run starts: one that cannot run answers its error and none starts. ${TENANT_RULE}`,
  request: { body: jsonBody(RunSchedulesSchema) },
  responses: { 201: jsonContent(StartedRunsSchema, 'The runs started'), ...errors(403, 404) },
});

const runs = createRoute({
  method: 'get',
  path: '/api/schedules/{id}/runs',
  operationId: 'listScheduleRuns',
  tags: TAGS,
  summary: 'Latest executions of a schedule',
  description: `Newest first; \`status\` keeps the runs that ended a given way. ${TENANT_RULE}`,
  request: { params: ScheduleIdParams, query: ScheduleRunsQuerySchema },
  responses: { 200: jsonContent(ScheduleRunPageSchema, 'One page of runs'), ...errors(404) },
});

export function scheduleRoutes(api: OpenAPIHono<ApiEnv>, services: ApiServices): void {
  const schedules = services.engine.schedules;

  openRoute(api, list, async (c) => {
    const principal = c.get('principal');
    const params = c.req.query();
    const scope = requestScope(principal, params.tenant);
    return c.json(await schedules.list(scope, parseScheduleListQuery(withoutParams(params, 'tenant')), principal.keyId, services.cursors), 200);
  });

  // Before the {id} routes, like the static job paths in api.ts: `run` is a valid schedule id too.
  openRoute(api, runMany, async (c) => {
    const principal = c.get('principal');
    const given = c.req.valid('json').schedules.map((ref, index) => scheduleRef(services, principal, ref.id, ref.tenant, `schedules.${index}`));
    const refs = [...new Map(given.map((ref) => [`${ref.id}#${ref.tenant}`, ref])).values()];
    const scope = requestScope(principal, undefined);
    await assertCanChangeRows(services, principal, refs, scope);
    return c.json({ jobs: await schedules.runNow(refs, scope, { kind: 'caller', principal }) }, 201);
  });

  openRoute(api, getOne, async (c) => {
    const principal = c.get('principal');
    const ref = scheduleRef(services, principal, c.req.valid('param').id, c.req.valid('query').tenant);
    return c.json(await schedules.get(ref, requestScope(principal, undefined), principal.keyId), 200);
  });

  openRoute(
    api,
    update,
    async (c) => {
      const principal = c.get('principal');
      const ref = scheduleRef(services, principal, c.req.valid('param').id, c.req.valid('query').tenant);
      const scope = requestScope(principal, undefined);
      await assertCanChangeRows(services, principal, [ref], scope);
      // Parsed in full before anything is written: a 400 changes nothing.
      const patch = parseSchedulePatch(await requestJson(c));
      return c.json(await schedules.update(ref, scope, patch), 200);
    },
    // Core's parser reads the body after the wall, and says why a field from code cannot change.
    { bodyReadBy: 'handler' },
  );

  openRoute(api, runOne, async (c) => {
    const principal = c.get('principal');
    const ref = scheduleRef(services, principal, c.req.valid('param').id, c.req.valid('query').tenant);
    const scope = requestScope(principal, undefined);
    await assertCanChangeRows(services, principal, [ref], scope);
    const job = (await schedules.runNow([ref], scope, { kind: 'caller', principal }))[0]!;
    c.header('Location', `/api/jobs/${job.id}`);
    return c.json({ job }, 201);
  });

  openRoute(api, runs, async (c) => {
    const principal = c.get('principal');
    const params = c.req.query();
    const ref = scheduleRef(services, principal, c.req.valid('param').id, params.tenant);
    const query = parseScheduleRunsQuery(withoutParams(params, 'tenant'));
    return c.json(await schedules.runs(ref, requestScope(principal, undefined), query, services.cursors), 200);
  });
}

/**
 * The row a request names. A per-tenant schedule's tenant is the `tenant` parameter, else the
 * caller's own; admins have none and must name it (the catalog answers 400). An
 * installation-wide schedule has no tenant. Whether the caller may see the row is core's
 * wall, applied with the caller's scope: another tenant's row answers 404 like an unknown id.
 * `path` places a 400 in a request body (`schedules.2`).
 */
function scheduleRef(services: ApiServices, principal: Principal, id: string, tenant: string | null | undefined, path?: string): ScheduleRef {
  try {
    // The tenant schema also keeps out ADMIN_TENANT, which holds installation rows, never a tenant's.
    if (tenant) parseInput(tenantSchema, tenant, { kind: 'parameter', prefix: 'tenant' });
    const schedules = services.engine.schedules;
    const perTenant = schedules.definition(id)?.scope === 'tenant';
    const ref = { id, tenant: tenant || (perTenant ? principal.tenant : null) };
    schedules.resolve(ref);
    return ref;
  } catch (error) {
    if (path !== undefined && error instanceof BadRequestError) throw new BadRequestError(`${path}.${error.message}`, `${path}.${error.field ?? 'id'}`);
    throw error;
  }
}

/**
 * Like the jobs' assertCanChange: the wall comes first, so a viewer hears 404 about rows it
 * cannot see and 403 only about those it can.
 */
async function assertCanChangeRows(services: ApiServices, principal: Principal, refs: readonly ScheduleRef[], scope: TenantScope): Promise<void> {
  if (principal.role !== 'viewer') return;
  for (const ref of refs) await services.engine.schedules.get(ref, scope, principal.keyId);
  assertCanWrite(principal);
}

/**
 * The body of a route whose fields core's parser reports. Another media type and malformed
 * JSON raise what the validated routes raise, so error-mapping words them the same way.
 */
async function requestJson(c: Context): Promise<unknown> {
  if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) throw new HTTPException(415);
  try {
    return await c.req.json();
  } catch {
    throw new HTTPException(400);
  }
}
