import * as z from 'zod';
import { BadRequestError } from '../errors.ts';
import { badInput } from '../input-error.ts';
import { cursorParam, intParam, listParam, parseParams, textParam } from '../query/param-schemas.ts';
import { planningSchema } from './planning.ts';
import { RUN_STATUSES, type RunStatus } from './run-status.ts';

/** Addresses one schedule's reports may go to. */
export const MAX_RECIPIENTS = 20;

const statusParam = listParam(
  z.enum(RUN_STATUSES, { error: `must be one of ${RUN_STATUSES.join(', ')}` }),
  `run statuses (${RUN_STATUSES.join(', ')})`,
  RUN_STATUSES.length,
);
const pageSize = (max: number, fallback: number) => intParam(1, max).default(fallback);

/** The list's and the runs' query parameters, for parsing and for the api's OpenAPI document. */
export const scheduleListQuerySchema = z.strictObject({
  status: statusParam.optional(),
  q: textParam.optional(),
  size: pageSize(500, 100),
  cursor: cursorParam.optional(),
});
export const scheduleRunsQuerySchema = z.strictObject({ status: statusParam.optional(), size: pageSize(100, 20), cursor: cursorParam.optional() });

export interface ScheduleListQuery {
  /** Last-run statuses to keep; `never` rows (no run yet) only show unfiltered. */
  status: RunStatus[] | null;
  /** Case-insensitive substring of the identifier. */
  text: string | null;
  size: number;
  cursor: string | null;
}

export interface ScheduleRunsQuery {
  status: RunStatus[] | null;
  size: number;
  cursor: string | null;
}

export function parseScheduleListQuery(params: Record<string, string>): ScheduleListQuery {
  const parsed = parseParams(scheduleListQuerySchema, params, Object.keys(scheduleListQuerySchema.shape));
  return { status: parsed.status ?? null, text: parsed.q?.toLowerCase() ?? null, size: parsed.size, cursor: parsed.cursor ?? null };
}

export function parseScheduleRunsQuery(params: Record<string, string>): ScheduleRunsQuery {
  const parsed = parseParams(scheduleRunsQuerySchema, params, Object.keys(scheduleRunsQuerySchema.shape));
  return { status: parsed.status ?? null, size: parsed.size, cursor: parsed.cursor ?? null };
}

const reportSchema = z
  .strictObject({
    enabled: z.boolean(),
    recipients: z
      // The pattern is zod's own email rule, so the document promises exactly what is checked.
      .array(
        z
          .email('must be an email address')
          .meta({ pattern: z.regexes.email.source })
          .transform((email) => email.toLowerCase()),
      )
      .max(MAX_RECIPIENTS, `must list at most ${MAX_RECIPIENTS} addresses`)
      .transform((emails) => [...new Set(emails)]),
  })
  .refine((report) => !report.enabled || report.recipients.length > 0, {
    message: 'must list at least one address when reports are enabled',
    path: ['recipients'],
  })
  .meta({ anyOf: [{ properties: { enabled: { enum: [false] } } }, { properties: { recipients: { minItems: 1 } } }] });

/** What an administrator may change: planning and reports. Identifier and description come from code. */
export const schedulePatchSchema = z
  .strictObject({ planning: planningSchema.optional(), report: reportSchema.optional() })
  .refine((patch) => patch.planning !== undefined || patch.report !== undefined, { message: 'must give planning, report or both' })
  .meta({ minProperties: 1 });

export type SchedulePatch = z.infer<typeof schedulePatchSchema>;

const READ_ONLY = ['id', 'description', 'jobType', 'scope', 'automatic', 'tenant'];

/** Parses a PATCH body; the first problem becomes a 400 naming its field path. */
export function parseSchedulePatch(body: unknown): SchedulePatch {
  const result = schedulePatchSchema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys' && issue.path.length === 0 && READ_ONLY.includes(issue.keys[0]!)) {
    const key = issue.keys[0]!;
    throw new BadRequestError(`${key} is defined in code and cannot be changed; only planning and report can`, key);
  }
  throw badInput(result.error.issues, { kind: 'field', input: body });
}
