import { parseInputValue } from './views/time-format.ts';

/**
 * The list's state lives in its URL, in the api's own parameter names (so the same string feeds
 * findJobs, the CSV export link and the script's refresh) plus the pager's `trail` and `page`.
 * Forms submit empty fields, repeated checkboxes and `datetime-local` values; the server
 * answers those with a redirect to the canonical form: no empties, lists comma-joined, dates
 * in ms, defaults dropped, a fixed order. A shared link therefore means the same in any zone.
 */

const DATE_PARAMS = new Set(['createFrom', 'createTo', 'startFrom', 'startTo', 'endFrom', 'endTo', 'from', 'to']);
const LIST_PARAMS = new Set(['type', 'status']);
const DEFAULTS: Record<string, string> = { sort: 'date', system: 'false', children: 'false' };
const ORDER = [
  'q',
  'type',
  'status',
  'hasErrors',
  'createFrom',
  'createTo',
  'startFrom',
  'startTo',
  'endFrom',
  'endTo',
  'parentId',
  'rootId',
  'system',
  'children',
  'sort',
  '_size',
  'cursor',
  'trail',
  'page',
];
/** Parameters of the page, not of the query. */
export const PAGER_PARAMS = ['trail', 'page'] as const;
/** Cursors of earlier pages kept for "Previous"; older ones are dropped to bound the URL. */
export const MAX_TRAIL = 10;
/** Cursors are base64url, which never contains a dot. */
const TRAIL_SEPARATOR = '.';

export type RawQuery = Record<string, string[]>;

/** The canonical parameters of a submitted query; `timeZone` reads `datetime-local` values. */
export function canonicalParams(raw: RawQuery, timeZone: string, defaults: Record<string, string> = DEFAULTS): URLSearchParams {
  const entries = new Map<string, string>();
  for (const [name, values] of Object.entries(raw)) {
    const given = values.map((v) => v.trim()).filter((v) => v !== '');
    if (given.length === 0) continue;
    let value = LIST_PARAMS.has(name)
      ? [
          ...new Set(
            given
              .flatMap((v) => v.split(','))
              .map((v) => v.trim())
              .filter(Boolean),
          ),
        ].join(',')
      : given.at(-1)!;
    if (DATE_PARAMS.has(name)) value = canonicalDate(name, value, timeZone);
    if (defaults[name] === value) continue;
    entries.set(name, value);
  }
  const rank = (name: string) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);
  return new URLSearchParams([...entries].sort(([a], [b]) => rank(a) - rank(b)));
}

/** ms stay; a `datetime-local` value becomes ms, an upper bound covering its whole minute. */
function canonicalDate(name: string, value: string, timeZone: string): string {
  if (/^\d+$/.test(value)) return value;
  const ms = parseInputValue(value, timeZone);
  if (ms === null) return value;
  const wholeMinute = name.endsWith('To') || name === 'to';
  return String(wholeMinute && !/:\d{2}:\d{2}$/.test(value) ? ms + 59_999 : ms);
}

/** Commas are legal in a query string; leaving them unescaped keeps shared links readable. */
export function queryString(params: URLSearchParams): string {
  return params.toString().replaceAll('%2C', ',');
}

/** Whether the query string as it came is already the canonical one. */
export function sameQuery(search: string, canonical: URLSearchParams): boolean {
  return queryString(new URLSearchParams(search)) === queryString(canonical);
}

/** The parameters findJobs and the api take: the canonical ones without the pager's. */
export function queryParams(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of params) if (!(PAGER_PARAMS as readonly string[]).includes(name)) out[name] = value;
  return out;
}

export function withParams(params: URLSearchParams, changes: Record<string, string | null>): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) next.delete(name);
    else next.set(name, value);
  }
  const rank = (name: string) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);
  return new URLSearchParams([...next].sort(([a], [b]) => rank(a) - rank(b)));
}

export function href(path: string, params: URLSearchParams): string {
  const query = queryString(params);
  return query === '' ? path : `${path}?${query}`;
}

export interface Pager {
  page: number;
  first: URLSearchParams | null;
  previous: URLSearchParams | null;
  next: URLSearchParams | null;
}

/**
 * Cursor paging in the URL: `cursor` is the current page's, `trail` the cursors of the pages
 * before it (not the first, which has none), `page` the number shown.
 */
export function pager(params: URLSearchParams, nextCursor: string | null, names = { cursor: 'cursor', trail: 'trail', page: 'page' }): Pager {
  const cursor = params.get(names.cursor);
  const trail = (params.get(names.trail) ?? '').split(TRAIL_SEPARATOR).filter(Boolean);
  const page = Math.max(1, Number(params.get(names.page)) || (cursor ? trail.length + 2 : 1));
  const reset = { [names.cursor]: null, [names.trail]: null, [names.page]: null };
  const first = cursor ? withParams(params, reset) : null;
  let previous: URLSearchParams | null = null;
  if (cursor && trail.length > 0) {
    previous = withParams(params, {
      [names.cursor]: trail.at(-1)!,
      [names.trail]: trail.slice(0, -1).join(TRAIL_SEPARATOR) || null,
      [names.page]: String(page - 1),
    });
  } else if (cursor && page === 2) previous = first;
  const next = nextCursor
    ? withParams(params, {
        [names.cursor]: nextCursor,
        [names.trail]: (cursor ? [...trail, cursor] : []).slice(-MAX_TRAIL).join(TRAIL_SEPARATOR) || null,
        [names.page]: String(page + 1),
      })
    : null;
  return { page, first, previous, next };
}
