import * as z from 'zod';
import { BadRequestError } from '../errors.ts';
import { cursorParam, listParam, parseParams, textParam } from '../query/param-schemas.ts';
import { planningSchema } from './planning.ts';
import { RUN_STATUSES, type RunStatus } from './run-status.ts';

/** Addresses one schedule's reports may go to. */
export const MAX_RECIPIENTS = 20;

const isRunStatus = (value: string): value is RunStatus => (RUN_STATUSES as readonly string[]).includes(value);
const statusParam = listParam(isRunStatus, `status (${RUN_STATUSES.join(', ')})`, RUN_STATUSES.length).transform(
  (items) => items as RunStatus[],
);
const pageSize = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,4}$/, `must be a whole number from 1 to ${max}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `must be a whole number from 1 to ${max}`)
    .default(fallback);

/** The list's and the runs' query parameters, for parsing and for the api's OpenAPI document. */
export const scheduleListQuerySchema = z.strictObject({ status: statusParam.optional(), q: textParam.optional(), size: pageSize(500, 100), cursor: cursorParam.optional() });
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
      .array(z.email('must be email addresses').transform((email) => email.toLowerCase()))
      .max(MAX_RECIPIENTS, `at most ${MAX_RECIPIENTS} addresses`)
      .transform((emails) => [...new Set(emails)]),
  })
  .refine((report) => !report.enabled || report.recipients.length > 0, {
    message: 'add at least one address to send reports to',
    path: ['recipients'],
  });

/** What an administrator may change: planning and reports. Identifier and description come from code. */
export const schedulePatchSchema = z
  .strictObject({ planning: planningSchema.optional(), report: reportSchema.optional() })
  .refine((patch) => patch.planning !== undefined || patch.report !== undefined, { message: 'give planning, report or both' });

export type SchedulePatch = z.infer<typeof schedulePatchSchema>;

const READ_ONLY = ['id', 'description', 'jobType', 'scope', 'automatic', 'tenant'];

/** Parses a PATCH body; the first problem becomes a 400 naming its field path. */
export function parseSchedulePatch(body: unknown): SchedulePatch {
  const result = schedulePatchSchema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const path = [...issue.path.map(String), key].join('.');
    const why = issue.path.length === 0 && READ_ONLY.includes(key) ? `${key} is defined in code and cannot be changed` : `unknown field ${path}`;
    throw new BadRequestError(why, path);
  }
  const path = issue.path.map(String).join('.') || 'body';
  throw new BadRequestError(`${path}: ${issue.message}`, path);
}
