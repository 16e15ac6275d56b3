import * as z from 'zod';
import { BadRequestError } from '../errors.ts';
import { LogStore, type LogLine } from '../store/log-store.ts';
import type { TableGateway } from '../store/table-gateway.ts';
import { jobPartition, LOG_SORT_KEY_PATTERN, logPositionOf, logRange, logSortKeyAt, pad } from '../store/table-keys.ts';
import { fingerprint, type CursorCodec } from './cursor.ts';
import { logTimeRange, type LogQuery } from './log-query.ts';

export interface FindLogsResult {
  /** Newest first; oldest first when tailing with `after`. */
  items: LogLine[];
  /** Older lines: pass as `cursor`. Null when there are none, and when tailing. */
  nextCursor: string | null;
  /** Pass as `after` to poll for newer lines. Null on pages after the first (the first page's holds). */
  tailCursor: string | null;
  /** The read budget ran out (or, when tailing, the page filled): ask again to continue. */
  partial: boolean;
  /** Log items DynamoDB read (ScannedCount), filtered out or not. */
  itemsRead: number;
}

/** Items a request may read per requested line when level or message filter them. */
export const LOG_READ_BUDGET_PER_ROW = 10;
/** Floor of that budget, so a small page can still skip past a burst of non-matching lines. */
export const LOG_MIN_READ_BUDGET = 1_000;

const logCursor = z.strictObject({ v: z.literal(1), s: z.string().regex(LOG_SORT_KEY_PATTERN) });

/**
 * Reads a job's log lines: one Query over the job's partition, sort key between the range's
 * bounds, newest first, with level and message as FilterExpression (the `lc` attribute holds
 * the lower-cased message). Filters are applied after the read, so pages continue until the
 * page fills or the read budget is used. The caller checks that the job exists and is visible.
 */
export async function findLogs(store: TableGateway, jobId: string, query: LogQuery, now: number, options: { cursors: CursorCodec }): Promise<FindLogsResult> {
  assertJobId(jobId);
  const range = logTimeRange(query, now);
  const [lo, hi] = logRange(range.from, range.to);
  const tail = query.after !== null;
  const print = fingerprint([jobId, query.level, query.message, query.from, query.to, query.period, query.timeZone]);
  let start: string | undefined;
  if (query.after !== null) start = logSortKeyAt(query.after);
  else if (query.cursor !== null) {
    start = options.cursors.decode(query.cursor, logCursor, print).s;
  }
  const empty: FindLogsResult = { items: [], nextCursor: null, tailCursor: query.after, partial: false, itemsRead: 0 };
  // A position outside the range: nothing lies past it, or the whole range does.
  if (start !== undefined && (tail ? start >= hi : start <= lo)) return empty;
  if (start !== undefined && (tail ? start < lo : start > hi)) start = undefined;

  const filters: string[] = [];
  const names: Record<string, string> = { '#sk': 'sk' };
  const pk = jobPartition(jobId);
  const values: Record<string, unknown> = { ':pk': pk, ':lo': lo, ':hi': hi };
  if (query.level !== null) {
    filters.push('#level = :level');
    names['#level'] = 'level';
    values[':level'] = query.level;
  }
  if (query.message !== null) {
    filters.push('contains(#lc, :needle)');
    names['#lc'] = 'lc';
    values[':needle'] = query.message.toLowerCase();
  }
  const budget = Math.max(LOG_MIN_READ_BUDGET, query.size * LOG_READ_BUDGET_PER_ROW);
  const found: Array<Record<string, unknown>> = [];
  let itemsRead = 0;
  let lastKey: Record<string, unknown> | undefined;
  do {
    const need = query.size - found.length;
    // Unfiltered, one extra line tells whether more exist; filtered, read wider pages.
    const limit = Math.min(budget - itemsRead, filters.length === 0 ? need + 1 : Math.max(need * 4, 100));
    const page = await store.queryPage({
      KeyConditionExpression: 'pk = :pk AND #sk BETWEEN :lo AND :hi',
      ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: tail,
      Limit: limit,
      ...(start !== undefined ? { ExclusiveStartKey: { pk, sk: start } } : {}),
    });
    itemsRead += page.scanned;
    found.push(...page.items);
    lastKey = page.lastKey;
    start = lastKey?.sk as string | undefined;
  } while (found.length < query.size && lastKey !== undefined && itemsRead < budget);

  const items = found.slice(0, query.size).map(LogStore.fromItem);
  const more = found.length > query.size || lastKey !== undefined;
  const budgetOut = more && items.length < query.size;
  // Past the last line returned, or past everything scanned when the budget ran out first.
  const position = budgetOut ? (lastKey?.sk as string) : items.length > 0 ? logSortKeyAt(items.at(-1)!.cursor) : undefined;
  if (tail) {
    const newest = position === undefined ? query.after : logPositionOf(position);
    return { items, nextCursor: null, tailCursor: newest, partial: more, itemsRead };
  }
  return {
    items,
    nextCursor: more && position !== undefined ? options.cursors.encode({ v: 1, s: position }, print) : null,
    tailCursor: query.cursor !== null ? null : (items[0]?.cursor ?? `${pad(range.from, 13)}#000000`),
    partial: budgetOut,
    itemsRead,
  };
}

/** Rejects an id that cannot be a job's before it reaches a key. */
export function assertJobId(jobId: string): void {
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(jobId)) throw new BadRequestError('jobId is not a valid job id', 'jobId');
}
