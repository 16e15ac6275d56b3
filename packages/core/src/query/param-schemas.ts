import * as z from 'zod';
import { BadRequestError } from '../errors.ts';

/** Query-string pieces shared by the job, log and stats queries. Pure. */

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;
/** Cursors we issue stay far below this; a longer one cannot be ours. */
export const MAX_CURSOR_LENGTH = 2048;

/** Larger than any real date (year 2286 needs 13 digits; DynamoDB keys pad to 13). */
const MAX_MS = 9_999_999_999_999;

export const msParam = z
  .string()
  .regex(/^\d{1,13}$/, 'must be milliseconds since the epoch (a whole number ≥ 0)')
  .transform(Number)
  .refine((n) => n <= MAX_MS, 'is beyond the largest supported date');

export const sizeParam = z
  .string()
  .regex(/^\d{1,7}$/, `must be a whole number from 1 to ${MAX_PAGE_SIZE}`)
  .transform(Number)
  .refine((n) => n >= 1 && n <= MAX_PAGE_SIZE, `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);

export const boolParam = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true');

export const cursorParam = z.string().max(MAX_CURSOR_LENGTH, 'is not a cursor this API issued');

/** Free text searched as a substring; bounded so a filter expression stays small. */
export const textParam = z
  .string()
  .transform((v) => v.trim())
  .pipe(z.string().min(1, 'must not be blank').max(200, 'must be at most 200 characters'));

/** An inclusive time range; either bound may be open. */
export interface TimeRange {
  from: number | null;
  to: number | null;
}

export function timeRange(from: number | undefined, to: number | undefined, fromField: string, toField: string): TimeRange | null {
  if (from === undefined && to === undefined) return null;
  if (from !== undefined && to !== undefined && from > to) {
    throw new BadRequestError(`${toField} (${to}) is before ${fromField} (${from})`, toField);
  }
  return { from: from ?? null, to: to ?? null };
}

export function inRange(value: number | null | undefined, range: TimeRange | null): boolean {
  if (range === null) return true;
  if (value === null || value === undefined) return false;
  return (range.from === null || value >= range.from) && (range.to === null || value <= range.to);
}

/**
 * Parses query-string parameters with a strict schema and turns the first problem into a
 * BadRequestError naming the parameter. Forms submit empty fields, so an empty value counts as
 * not given. Unknown parameters are reported first: a misspelt filter silently ignored would
 * return a wrong list that looks right.
 */
export function parseParams<T>(schema: z.ZodType<T>, params: Record<string, string>, known: readonly string[]): T {
  const given = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== ''));
  const result = schema.safeParse(given);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const unknown = issues.find((issue) => issue.code === 'unrecognized_keys');
  if (unknown && unknown.code === 'unrecognized_keys') {
    const key = unknown.keys[0] ?? 'query';
    return fail(`unknown parameter "${key}"; valid parameters are ${known.join(', ')}`, key);
  }
  const issue = issues[0]!;
  const field = issue.path.length > 0 ? String(issue.path[0]) : 'query';
  return fail(`${field} ${issue.message}`, field);
}

function fail(message: string, field: string): never {
  throw new BadRequestError(message, field);
}

/** Splits a comma-separated list, trimming and dropping repeats; each entry checked by `valid`. */
export function listParam(valid: (item: string) => boolean, what: string, max = 20) {
  return z.string().transform((raw, ctx) => {
    const items = [...new Set(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
    const bad = items.find((item) => !valid(item));
    if (items.length === 0) ctx.addIssue({ code: 'custom', message: `must list at least one ${what}` });
    else if (bad !== undefined) ctx.addIssue({ code: 'custom', message: `has an invalid ${what} "${bad.slice(0, 80)}"` });
    else if (items.length > max) ctx.addIssue({ code: 'custom', message: `lists more than ${max} values` });
    else return items;
    return z.NEVER;
  });
}
