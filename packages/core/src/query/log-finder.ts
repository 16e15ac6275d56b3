import * as z from 'zod';
import { BadRequestError } from '../errors.ts';
import { LOG_CHUNK_SPAN_MS, LogStore, type LogLine } from '../store/log-store.ts';
import type { TableGateway } from '../store/table-gateway.ts';
import { jobPartition, logItemOfLineKey, LOG_SORT_KEY_PATTERN, logRange, logSortKeyAt, pad } from '../store/table-keys.ts';
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
  /** Log items (chunks of lines) DynamoDB read. */
  itemsRead: number;
}

/** Lines a request may examine per requested line when level, message or range filter them. */
export const LOG_READ_BUDGET_PER_ROW = 10;
/** Floor of that budget, so a small page can still skip past a burst of non-matching lines. */
export const LOG_MIN_READ_BUDGET = 1_000;
/** Chunks the first Query of a page reads; each next one reads twice as many, to 32. */
const FIRST_READ_CHUNKS = 2;

const logCursor = z.strictObject({ v: z.literal(1), s: z.string().regex(LOG_SORT_KEY_PATTERN) });

/**
 * Reads a job's log lines: Queries over the job's partition, sort key between the range's
 * bounds (from a chunk's span earlier, as a chunk's key holds its first line's time), newest
 * first, each chunk's lines split out and matched against range, level and message. Pages
 * continue until the page fills or the read budget (in lines examined) is used; one line more
 * than the page says whether more follow. A position names a line in its chunk, so a page or
 * a tail resumes inside a chunk. The caller checks that the job exists and is visible.
 */
export async function findLogs(store: TableGateway, jobId: string, query: LogQuery, now: number, options: { cursors: CursorCodec }): Promise<FindLogsResult> {
  assertJobId(jobId);
  const range = logTimeRange(query, now);
  const [lo, hi] = logRange(Math.max(0, range.from - LOG_CHUNK_SPAN_MS), range.to);
  const tail = query.after !== null;
  const print = fingerprint([jobId, query.level, query.message, query.from, query.to, query.period, query.timeZone]);
  let start: { sk: string; index: number | null } | undefined;
  if (query.after !== null) start = logItemOfLineKey(logSortKeyAt(query.after));
  else if (query.cursor !== null) start = logItemOfLineKey(options.cursors.decode(query.cursor, logCursor, print).s);
  const empty: FindLogsResult = { items: [], nextCursor: null, tailCursor: query.after, partial: false, itemsRead: 0 };
  // A position outside the range: nothing lies past it, or the whole range does.
  if (start !== undefined && (tail ? start.sk >= hi : start.sk < lo)) return empty;
  if (start !== undefined && (tail ? start.sk < lo : start.sk > hi)) start = undefined;

  const needle = query.message?.toLowerCase() ?? null;
  const matches = (line: LogLine) =>
    line.timestamp >= range.from &&
    line.timestamp <= range.to &&
    (query.level === null || line.level === query.level) &&
    (needle === null || line.message.toLowerCase().includes(needle));
  /** The lines of an item in reading order, without those at or before the start position. */
  const unread = (item: Record<string, unknown>): LogLine[] => {
    const lines = LogStore.linesOf(item);
    if (tail === false) lines.reverse();
    if (start === undefined || item.sk !== start.sk) return lines;
    const from = start.index;
    if (from === null) return [];
    return lines.filter((_, i) => (tail ? i > from : lines.length - 1 - i < from));
  };

  const pk = jobPartition(jobId);
  const budget = Math.max(LOG_MIN_READ_BUDGET, query.size * LOG_READ_BUDGET_PER_ROW);
  const found: LogLine[] = [];
  let examined = 0;
  let itemsRead = 0;
  /** The last line examined: where a page that ran out of budget resumes. */
  let last: string | undefined;
  let leftInItem = false;
  let lastKey: Record<string, unknown> | undefined;
  let chunks = FIRST_READ_CHUNKS;
  read: do {
    const page = await store.queryPage({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
      ExpressionAttributeValues: { ':pk': pk, ':lo': tail && start ? start.sk : lo, ':hi': !tail && start ? start.sk : hi },
      ScanIndexForward: tail,
      Limit: chunks,
      ...(lastKey !== undefined ? { ExclusiveStartKey: lastKey } : {}),
    });
    chunks = Math.min(32, chunks * 2);
    itemsRead += page.scanned;
    lastKey = page.lastKey;
    for (const [n, item] of page.items.entries()) {
      const lines = unread(item);
      for (const [i, line] of lines.entries()) {
        examined++;
        last = line.cursor;
        if (matches(line)) found.push(line);
        if (found.length > query.size || examined >= budget) {
          leftInItem = i < lines.length - 1 || n < page.items.length - 1;
          break read;
        }
      }
    }
  } while (lastKey !== undefined);

  const items = found.slice(0, query.size);
  const more = found.length > query.size || leftInItem || lastKey !== undefined;
  const budgetOut = more && items.length < query.size;
  // Past the last line returned, or past everything examined when the budget ran out first.
  const position = budgetOut ? last : items.at(-1)?.cursor;
  if (tail) {
    return { items, nextCursor: null, tailCursor: position ?? query.after, partial: more, itemsRead };
  }
  return {
    items,
    nextCursor: more && position !== undefined ? options.cursors.encode({ v: 1, s: logSortKeyAt(position) }, print) : null,
    tailCursor: query.cursor !== null ? null : (items[0]?.cursor ?? `${pad(range.from, 13)}#000000`),
    partial: budgetOut,
    itemsRead,
  };
}

/** Rejects an id that cannot be a job's before it reaches a key. */
export function assertJobId(jobId: string): void {
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(jobId)) throw new BadRequestError('jobId is not a valid job id', 'jobId');
}
