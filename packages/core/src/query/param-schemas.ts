import * as z from 'zod';
import { BadRequestError } from '../errors.ts';
import { parseInput, unknownKey } from '../input-error.ts';

/**
 * Query-string pieces shared by the job, log, stats and schedule queries. Pure.
 *
 * Each is written as the typed value a client sends (an integer, a boolean, a list) behind a
 * preprocess that reads it from the query string, so the OpenAPI document shows the type and
 * its limits — `_size` is an integer from 1 to 1000, not a string matching a pattern — and a
 * client generated from it validates what the parser does. A string that cannot be read stays
 * a string, which the typed schema then refuses with its message.
 */

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;
/** Cursors we issue stay far below this; a longer one cannot be ours. */
export const MAX_CURSOR_LENGTH = 2048;
/** Free-text filters are searched as substrings; bounded so a filter expression stays small. */
export const MAX_TEXT_LENGTH = 200;

/** Larger than any real date (year 2286 needs 13 digits; DynamoDB keys pad to 13). */
const MAX_MS = 9_999_999_999_999;

const wholeNumber = (raw: unknown) => (typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : raw);

/** A whole number from `min` to `max`, read from its decimal digits. */
export function intParam(min: number, max: number, expected = `must be a whole number from ${min} to ${max}`) {
  return z.preprocess(wholeNumber, z.number({ error: expected }).int(expected).min(min, expected).max(max, expected));
}

export const msParam = intParam(0, MAX_MS, `must be milliseconds since the epoch (a whole number from 0 to ${MAX_MS})`);

export const sizeParam = intParam(1, MAX_PAGE_SIZE);

export const boolParam = z.preprocess((raw) => (raw === 'true' ? true : raw === 'false' ? false : raw), z.boolean({ error: 'must be true or false' }));

/** Every cursor the api issues is base64url (`cursor.ts`). */
export const CURSOR_PATTERN = /^[A-Za-z0-9_-]+$/;

export const cursorParam = z
  .string()
  .max(MAX_CURSOR_LENGTH, 'must be a cursor this API issued')
  .regex(CURSOR_PATTERN, 'must be a cursor this API issued')
  .meta({ description: 'Opaque: a `nextCursor` this API returned for the same query and caller' });

/** Free text, trimmed; a blank one is refused rather than matching everything. */
export const textParam = z.preprocess(
  (raw) => (typeof raw === 'string' ? raw.trim() : raw),
  z.string().regex(/\S/, 'must not be blank').max(MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`),
);

/**
 * A comma-separated list (`status=FINISHED,FAILED`), trimmed and without repeats. Documented
 * as an array in `form` style without explode, which is how OpenAPI spells that encoding.
 */
export function listParam<T extends z.ZodType<string>>(item: T, expected: string, max = 20) {
  const message = `must be a comma-separated list of ${expected}, at most ${max}`;
  return z
    .preprocess(
      (raw) =>
        typeof raw === 'string'
          ? [
              ...new Set(
                raw
                  .split(',')
                  .map((s) => s.trim())
                  .filter((s) => s !== ''),
              ),
            ]
          : raw,
      z.array(item, { error: message }).min(1, message).max(max, message).meta({ uniqueItems: true }),
    )
    .meta({ param: { style: 'form', explode: false } });
}

/** An inclusive time range; either bound may be open. */
export interface TimeRange {
  from: number | null;
  to: number | null;
}

export function timeRange(from: number | undefined, to: number | undefined, fromField: string, toField: string): TimeRange | null {
  if (from === undefined && to === undefined) return null;
  if (from !== undefined && to !== undefined && from > to) {
    throw new BadRequestError(`${toField} must not be before ${fromField} (${from}); got ${to}`, toField);
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
 * not given. Unknown parameters are refused: a misspelt filter silently ignored would return a
 * wrong list that looks right.
 */
export function parseParams<T extends z.ZodType>(schema: T, params: Record<string, string>, known: readonly string[]): z.output<T> {
  const given = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== ''));
  const unknown = Object.keys(given).find((name) => !known.includes(name));
  if (unknown !== undefined) throw unknownKey([unknown], { kind: 'parameter', known });
  return parseInput(schema, given, { kind: 'parameter', known });
}
