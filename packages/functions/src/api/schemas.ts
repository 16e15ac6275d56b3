import { z } from '@hono/zod-openapi';
import { JOB_STATUSES, jobIdSchema, MAX_LOG_MESSAGE, OPERATIONS, tenantFilterSchema, tenantSchema } from '@stint/core';
import { ROLES } from '@stint/core/auth';
import { jobQuerySchema } from '@stint/core/query';
import { MAX_RECIPIENTS, RUN_STATUSES, scheduleListQuerySchema, scheduleRunsQuerySchema, WEEKDAYS } from '@stint/core/schedules';
import { PUBLIC_ERROR_CODES } from './error-mapping.ts';

/**
 * Response and request schemas of the api that core does not already define. They document
 * the OpenAPI answer shapes and validate requests; the core's schemas (submission, find and
 * log queries) are used as they are. Schemas made in core may predate zod-openapi's
 * `.openapi()`, so their metadata goes through zod's own `.meta()`, which the generator reads.
 */

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(PUBLIC_ERROR_CODES),
      message: z.string().openapi({ description: 'For a person: the field, what was expected, what came' }),
      field: z.string().optional().openapi({ description: 'The offending field or parameter (`runBy.name`, `_size`, `body`, `query`)' }),
    }),
  })
  .openapi('Error');

export const JobSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    label: z.string(),
    status: z.enum(JOB_STATUSES),
    tenant: z.string(),
    system: z.boolean(),
    createDate: z.number().int(),
    startDate: z.number().int().nullable(),
    endDate: z.number().int().nullable(),
    runAt: z.number().int().nullable().openapi({ description: 'Not to start before this time, when it was submitted to start later' }),
    sleepingUntil: z.number().int().nullable().openapi({ description: 'While the job sleeps (ctx.sleep): when it wakes; it holds no worker meanwhile' }),
    waitingForEvent: z
      .object({ name: z.string(), key: z.string(), until: z.number().int() })
      .nullable()
      .openapi({ description: 'While the job waits for an outside event (ctx.waitForEvent): its name and key, and when the wait times out' }),
    waitingForConcurrency: z.object({ key: z.string(), limit: z.number().int() }).nullable().openapi({
      description: "While the job waits because its type's concurrency limit for its key is reached: the key, and how many such jobs may run at once",
    }),
    waiting: z.number().int().openapi({ description: 'start − create in ms (− runAt when that is later); grows while pending' }),
    duration: z.number().int().openapi({ description: 'end − start in ms; grows while running' }),
    hasErrors: z.boolean(),
    lowPriority: z.boolean(),
    runBy: z.object({ id: z.string(), name: z.string() }).nullable(),
    submittedBy: z
      .object({ id: z.string(), name: z.string() })
      .nullable()
      .openapi({ description: 'Who submitted the job when an admin did so on behalf of `runBy`; null otherwise' }),
    progress: z.number(),
    parentId: z.string().nullable(),
    rootId: z.string(),
    data: z.record(z.string(), z.unknown()),
    results: z.record(z.string(), z.unknown()).nullable(),
    childrenProgress: z.object({ finished: z.number().int(), total: z.number().int() }),
    resultFile: z.string().nullable(),
    error: z.string().nullable(),
    scheduleId: z.string().nullable().openapi({ description: 'The schedule this job is a run of (in the job tenant), if any' }),
    attempt: z.number().int().min(1).openapi({ description: '1 for the first run; each retry of its failed work adds one (a restart starts again at 1)' }),
    version: z.number().int(),
  })
  .openapi('Job');

export const JobIdParams = z.object({
  id: jobIdSchema.meta({ param: { name: 'id', in: 'path' }, example: '0m3k1x2ya7hq2bcdefghjkmnpqrs' }),
});

export const TenantParam = tenantFilterSchema.optional().meta({
  description: 'Admins only: limit the request to one tenant, or to the installation’s own jobs with `_admin` (default: every tenant)',
});

export const JobPageSchema = z
  .object({
    items: z.array(JobSchema),
    nextCursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last' }),
    partial: z.boolean().openapi({ description: 'The read budget ran out before the page filled; more may match past nextCursor' }),
  })
  .openapi('JobPage');

export const LogLineSchema = z
  .object({
    timestamp: z.number().int(),
    level: z.enum(['INFO', 'ERROR']),
    message: z.string(),
    additionalInfo: z.record(z.string(), z.unknown()).nullable(),
    cursor: z.string(),
  })
  .openapi('LogLine');

export const LogPageSchema = z
  .object({ items: z.array(LogLineSchema), nextCursor: z.string().nullable(), tailCursor: z.string().nullable(), partial: z.boolean() })
  .openapi('LogPage');

export const NewLogSchema = z.strictObject({ level: z.enum(['INFO', 'ERROR']), message: z.string().min(1).max(MAX_LOG_MESSAGE) }).openapi('NewLog');

export const WaitingSchema = z
  .object({
    status: z.literal('waiting'),
    retryAfterMs: z.number().int(),
    remainingMs: z.number().int().openapi({ description: 'Pass as maxTimeToWait on the next call' }),
    job: JobSchema,
  })
  .openapi('Waiting');

export const AcceptedJobSchema = z
  .object({ job: JobSchema })
  .openapi('AcceptedJob', { description: 'The work continues as a system job; follow it with GET /api/jobs/{id} or wait' });

export const OperationSchema = z.enum(OPERATIONS);

/** Ids one bulk request may name: each is a few conditional writes within the request. */
const MAX_BULK_IDS = 500;
/** What a bulk filter may name: the find query's parameters; paging is the system job's own business. */
const BulkFilterSchema = jobQuerySchema.omit({ _size: true, cursor: true }).extend({ tenant: TenantParam });

export const BulkRequestSchema = z
  .strictObject({
    op: OperationSchema,
    ids: z
      .array(z.string().max(256, 'must be at most 256 characters'))
      .min(1, 'must list at least one job id')
      .max(MAX_BULK_IDS, `must list at most ${MAX_BULK_IDS} job ids`)
      .optional()
      .openapi({ description: 'Each id answers for itself: one that is not a job id answers `badRequest` in the results' }),
    filter: BulkFilterSchema.optional().meta({
      description:
        'GET /api/jobs parameters (`{"status": ["FINISHED", "STOPPED"], "hasErrors": true}`; the query-string form `"FINISHED,STOPPED"` is read too), checked as that route checks them',
    }),
  })
  .superRefine((body, ctx) => {
    if ((body.ids === undefined) === (body.filter === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'must give either ids or filter', params: { got: body.ids === undefined ? 'neither' : 'both' } });
    }
  })
  .openapi('BulkRequest', { oneOf: [{ required: ['ids'] }, { required: ['filter'] }] });

export const BulkResultSchema = z
  .object({
    op: OperationSchema,
    results: z.record(
      z.string(),
      z.union([z.object({ status: z.literal('ok') }), z.object({ status: z.literal('error'), code: z.string(), message: z.string() })]),
    ),
    ok: z.number().int(),
    failed: z.number().int(),
  })
  .openapi('BulkResult');

/** Present (true) only when DynamoDB throttled some tenant's counters: the figures leave that tenant out. */
const degraded = z
  .literal(true)
  .optional()
  .openapi({ description: 'Present when some tenant’s counters could not be read (DynamoDB throttled them) and are left out of the figures' });

export const SummarySchema = z
  .object({ total: z.number().int(), active: z.number().int(), completed: z.number().int(), failed: z.number().int(), canceled: z.number().int(), degraded })
  .openapi('Summary');

const statsValues = {
  created: z.number().int(),
  avgWaitingMs: z.number().nullable(),
  minWaitingMs: z.number().nullable(),
  maxWaitingMs: z.number().nullable(),
};
export const StatsSchema = z
  .object({ points: z.array(z.object({ t: z.number().int(), ...statsValues })), totals: z.object(statsValues), degraded })
  .openapi('Stats');

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    tenant: z.string().nullable(),
    createdAt: z.number().int(),
    revokedAt: z.number().int().nullable(),
  })
  .openapi('ApiKey');

export const NewApiKeySchema = z
  .strictObject({
    name: z.string().regex(/\S/, 'must not be blank').max(100, 'must be at most 100 characters'),
    role: z.enum(ROLES),
    tenant: tenantSchema.nullable().optional(),
  })
  .superRefine((key, ctx) => {
    // An admin key sees every tenant; any other key sees exactly one.
    if (key.role === 'admin' && key.tenant != null)
      ctx.addIssue({ code: 'custom', path: ['tenant'], message: 'must be left out for an admin key, which sees every tenant' });
    if (key.role !== 'admin' && key.tenant == null) ctx.addIssue({ code: 'custom', path: ['tenant'], message: `must name the tenant of a ${key.role} key` });
  })
  .openapi('NewApiKey', {
    anyOf: [
      { properties: { role: { enum: ['admin'] }, tenant: { enum: [null] } } },
      { properties: { role: { enum: ROLES.filter((role) => role !== 'admin') }, tenant: { type: 'string' } }, required: ['tenant'] },
    ],
  });

export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: 'The key itself: shown only in this response, stored only as a hash' }),
}).openapi('CreatedApiKey');

export const KeyIdParams = z.object({
  id: z
    .string()
    .regex(/^k[0-9a-f]{16}$/, 'must be an API key id (k and 16 hex digits)')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'k0123456789abcdef' }),
});

/** defineSchedule's id rule: anything else cannot name a schedule. */
export const SCHEDULE_ID_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
/** Schedules one run request may start: each is a submission. */
export const MAX_RUN_SCHEDULES = 50;

const scheduleId = z.string().regex(SCHEDULE_ID_PATTERN, 'must be a schedule id (a lower-case letter, then up to 62 lower-case letters, digits and dashes)');

export const ScheduleIdParams = z.object({
  id: scheduleId.openapi({ param: { name: 'id', in: 'path' }, example: 'nightly-export' }),
});

export const ScheduleTenantParam = tenantSchema.optional().meta({
  description:
    'The tenant of a per-tenant schedule: required from admins, the caller’s own tenant by default for others. Not allowed for an installation-wide schedule.',
});

export const PlanningSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('automatic') }),
    z.object({
      type: z.literal('scheduled'),
      days: z.array(z.enum(WEEKDAYS)),
      times: z.array(z.string()).openapi({ description: 'HH:MM on a 24-hour clock, in timeZone' }),
      timeZone: z.string().openapi({ example: 'Europe/Paris' }),
    }),
    z.object({ type: z.literal('disabled') }),
  ])
  .openapi('Planning', { description: '`automatic`: the cron the code defines; `scheduled`: the days × times picked here; `disabled`: only run by hand' });

const ReportSettingsSchema = z.object({ enabled: z.boolean(), recipients: z.array(z.string()).max(MAX_RECIPIENTS) });

export const ScheduleRowSchema = z
  .object({
    id: z.string(),
    description: z.string(),
    jobType: z.string(),
    scope: z.enum(['tenant', 'installation']),
    tenant: z.string().nullable().openapi({ description: 'Null for an installation-wide schedule' }),
    planning: PlanningSchema,
    automatic: z.object({ cron: z.string(), timeZone: z.string() }).openapi({ description: 'The schedule the code defines' }),
    overlap: z.enum(['allow', 'skip']).openapi({ description: 'A slot due while the previous run is active starts another run (`allow`) or passes (`skip`)' }),
    report: ReportSettingsSchema,
    nextRunAt: z.number().int().nullable().openapi({ description: 'Null when the planning never fires (disabled)' }),
    lastRun: z
      .object({
        jobId: z.string(),
        status: z.enum(RUN_STATUSES),
        date: z.number().int(),
        endDate: z.number().int().nullable(),
        jobRemoved: z
          .boolean()
          .openapi({ description: 'The run’s job was deleted, cleared or expired; the run is still shown from the schedule’s run record' }),
      })
      .nullable()
      .openapi({ description: 'From the schedule’s record of its last run, which outlives the run’s job' }),
    unreadLogs: z.boolean().openapi({ description: 'The last run logged lines since the caller last read its logs' }),
    lastReport: z.object({ jobId: z.string(), at: z.number().int(), error: z.string().nullable() }).nullable(),
  })
  .openapi('Schedule');

export const SchedulePageSchema = z.object({ items: z.array(ScheduleRowSchema), nextCursor: z.string().nullable() }).openapi('SchedulePage');

const ScheduleRunSchema = z
  .object({
    id: z.string().openapi({ description: 'The run’s job id' }),
    scheduleId: z.string(),
    tenant: z.string(),
    type: z.string(),
    label: z.string(),
    runBy: z.object({ id: z.string(), name: z.string() }).nullable(),
    createDate: z.number().int().openapi({ description: 'When the run was started (its job created)' }),
    startDate: z.number().int().nullable(),
    endDate: z.number().int().nullable(),
    duration: z.number().int().openapi({ description: 'end − start in ms; grows while running' }),
    hasErrors: z.boolean(),
    runStatus: z.enum(RUN_STATUSES).openapi({
      description: '`unknown`: the run’s job was removed before its outcome was written to the schedule’s run record',
    }),
    jobRemoved: z.boolean().openapi({ description: 'The run’s job was deleted, cleared or expired; what is shown is what the run record kept' }),
  })
  .openapi('ScheduleRun', { description: 'One run, from the schedule’s run records (its newest 100 runs), read live from its job while that is active' });

export const ScheduleRunPageSchema = z
  .object({
    items: z.array(ScheduleRunSchema),
    nextCursor: z.string().nullable(),
  })
  .openapi('ScheduleRunPage');

/** The list's and runs' parameters: core's own schemas, so the document and the validation are one. */
export const ScheduleListQuerySchema = scheduleListQuerySchema.extend({ tenant: TenantParam });
export const ScheduleRunsQuerySchema = scheduleRunsQuerySchema.extend({ tenant: ScheduleTenantParam });

export const RunSchedulesSchema = z
  .strictObject({
    schedules: z
      .array(z.strictObject({ id: scheduleId, tenant: tenantSchema.nullable().optional() }))
      .min(1, 'must list at least one schedule')
      .max(MAX_RUN_SCHEDULES, `must list at most ${MAX_RUN_SCHEDULES} schedules`),
  })
  .openapi('RunSchedules');

export const StartedRunSchema = z.object({ job: JobSchema }).openapi('StartedRun');
export const StartedRunsSchema = z
  .object({ jobs: z.array(JobSchema).openapi({ description: 'In the order the schedules were given' }) })
  .openapi('StartedRuns');

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: json(schema) };
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { content: json(schema), required: true };
}
