import type * as z from 'zod';
import en from 'zod/v4/locales/en.js';
import { BadRequestError } from './errors.ts';

/**
 * The one voice of a refused input, on every route and in every parser: the field, what was
 * expected, what came — `_size must be a whole number from 1 to 1000; got "abc"`. Schemas
 * give their own expectation as a message starting with `must` (or `is`); an issue that kept
 * zod's default wording is worded here from its code, so no library phrase reaches a caller.
 */

type Issue = z.core.$ZodIssue;

export interface InputSource {
  /** What an unknown key is called: a query string's `parameter` or a JSON body's `field`. */
  kind: 'parameter' | 'field';
  /** The raw input the issues' paths point into: the query parameters or the parsed body. */
  input: unknown;
  /** Names a body nested in a larger one (`filter`, `schedules.2`). */
  prefix?: string;
  /** Valid parameter names, listed when an unknown one is refused. */
  known?: readonly string[];
}

/** The first issue of a failed parse, as the 400 a caller can act on. */
export function badInput(issues: readonly Issue[], source: InputSource): BadRequestError {
  const issue = issues[0];
  if (issue === undefined) return new BadRequestError('the request is not valid', source.prefix ?? 'body');
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') return unknownKey([...path, issue.keys[0] ?? ''], source);
  const fieldPath = sentPath(source.input, path);
  const field = [source.prefix, ...fieldPath].filter((part) => part !== undefined && part !== '').join('.') || 'body';
  // What was sent, as sent (before trimming); for one item of a list read from a string, the
  // item, which a parse with `reportInput` gives.
  const value = path.length > fieldPath.length && 'input' in issue ? issue.input : valueAt(source.input, fieldPath);
  return new BadRequestError(`${field} ${expectation(issue, value)}; got ${describe(value, issue)}`, field);
}

/** A field or parameter the schema does not know: named, with the ones it does know. */
export function unknownKey(path: readonly string[], source: Pick<InputSource, 'kind' | 'prefix' | 'known'>): BadRequestError {
  const field = [source.prefix, ...path].filter((part) => part !== undefined && part !== '').join('.');
  const valid = source.known === undefined ? '' : source.known.length === 0 ? '; it takes none' : `; valid ${source.kind}s are ${source.known.join(', ')}`;
  return new BadRequestError(`unknown ${source.kind} "${field}"${valid}`, field);
}

/** Parses with `schema`; a failure is the 400 of its first issue. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, source: Omit<InputSource, 'input'>): z.output<T> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw badInput(result.error.issues, { ...source, input });
}

// The one locale, imported alone: `z.locales` would bring every language into each bundle.
const english = en();

/** zod's own message for an issue, to tell it from one a schema wrote. */
function defaultMessage(issue: Issue, value: unknown): string | undefined {
  const message = english.localeError({ ...issue, input: value } as Parameters<typeof english.localeError>[0]);
  return typeof message === 'string' ? message : message?.message;
}

function expectation(issue: Issue, value: unknown): string {
  if (issue.message !== defaultMessage(issue, value)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${KINDS[issue.expected] ?? issue.expected}`;
    case 'too_small':
      return issue.origin === 'string' && Number(issue.minimum) === 1 ? 'must not be empty' : `must be at least ${limit(issue.origin, issue.minimum)}`;
    case 'too_big':
      return `must be at most ${limit(issue.origin, issue.maximum)}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : `must be one of ${issue.values.join(', ')}`;
    case 'invalid_format':
      return issue.format === 'email' ? 'must be an email address' : issue.format === 'regex' ? `must match ${issue.pattern}` : `must be a ${issue.format}`;
    case 'invalid_union':
      return 'options' in issue && Array.isArray(issue.options) ? `must be one of ${issue.options.join(', ')}` : 'does not match any accepted form';
    default:
      return 'is not valid';
  }
}

const KINDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

function limit(origin: string, bound: number | bigint): string {
  const n = Number(bound);
  if (origin === 'string') return `${n} characters`;
  if (origin === 'array' || origin === 'set') return `${n} items`;
  return String(n);
}

/** What came, short enough for a message: a quoted prefix of a string, a count for a long one. */
function describe(value: unknown, issue: Issue): string {
  const given = (issue as { params?: { got?: unknown } }).params?.got;
  if (typeof given === 'string') return given;
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    if ((issue.code === 'too_big' || issue.code === 'too_small') && issue.origin === 'string') return `${value.length} characters`;
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  }
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}

/**
 * The part of an issue's path the caller sent: a list read from one string (`status=A,B`, in a
 * query or a bulk filter) is one field, so its second item is `status`, not `status.1`.
 */
function sentPath(input: unknown, path: readonly string[]): string[] {
  const sent: string[] = [];
  let value = input;
  for (const key of path) {
    sent.push(key);
    if (value === null || typeof value !== 'object') break;
    value = (value as Record<string, unknown>)[key];
    if (value === null || typeof value !== 'object') break;
  }
  return sent;
}

function valueAt(input: unknown, path: readonly string[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
