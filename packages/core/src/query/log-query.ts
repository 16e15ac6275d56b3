import * as z from 'zod';
import { BadRequestError } from '../errors.ts';
import type { LogLevel } from '../store/log-store.ts';
import { timeZoneSchema } from '../time-zones.ts';
import { cursorParam, DEFAULT_PAGE_SIZE, msParam, parseParams, sizeParam, textParam, timeRange } from './param-schemas.ts';

export type LogPeriod = { kind: 'today' } | { kind: 'yesterday' } | { kind: 'last'; ms: number };

/** The `sys.jobs.logs` query, parsed. */
export interface LogQuery {
  level: LogLevel | null;
  /** Case-insensitive substring of the message. */
  message: string | null;
  from: number | null;
  to: number | null;
  /** Ignored when `from` or `to` is given, as the seeds specify. */
  period: LogPeriod | null;
  /** IANA zone whose midnight starts `today` and `yesterday`; UTC unless the caller names its own. */
  timeZone: string;
  size: number;
  cursor: string | null;
  /** Position of a line (`LogLine.cursor`, or a `tailCursor`): only newer lines, oldest first. */
  after: string | null;
}

/** A line's position: `<ts:13>#<seq:6>#<suffix>[.<index>]`, its chunk's sort key without `L#` and its index there. */
export const LINE_POSITION = /^\d{13}#\d{6}(#[0-9a-z]{0,8})?(\.\d{1,5})?$/;

const UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };
/** Ten years: longer than any retention, short enough that `now - d` stays positive. */
const MAX_DURATION_MS = 3_650 * UNITS.d!;
const PERIOD_HELP = 'must be today, yesterday or a duration such as 2h 30m, 10m, 1d 2h or 45s';

/** `2h 30m`, `10m`, `1d 2h`, `45s` → milliseconds; null when malformed or zero. Each unit at most once. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim().toLowerCase();
  if (!/^(\d{1,7}\s*[dhms]\s*)+$/.test(trimmed)) return null;
  const seen = new Set<string>();
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)\s*([dhms])/g)) {
    if (seen.has(unit!)) return null;
    seen.add(unit!);
    ms += Number(amount) * UNITS[unit!]!;
  }
  return ms > 0 && ms <= MAX_DURATION_MS ? ms : null;
}

/**
 * The durations the document promises: units in the order d h m s, each at most once, with
 * amounts that keep the total under ten years. The parser takes more (any order, `90m`, upper
 * case); a client that keeps to this grammar is never refused.
 */
export const PERIOD_GRAMMAR =
  /^(today|yesterday|[1-9]\d{0,2}d(\s*[1-9]\d?h)?(\s*[1-9]\d{0,2}m)?(\s*[1-9]\d{0,2}s)?|[1-9]\d?h(\s*[1-9]\d{0,2}m)?(\s*[1-9]\d{0,2}s)?|[1-9]\d{0,2}m(\s*[1-9]\d{0,2}s)?|[1-9]\d{0,2}s)$/;

const periodParam = z
  .string()
  .transform((raw, ctx): LogPeriod => {
    const value = raw.trim().toLowerCase();
    if (value === 'today' || value === 'yesterday') return { kind: value };
    const ms = parseDuration(value);
    if (ms !== null) return { kind: 'last', ms };
    ctx.addIssue({ code: 'custom', message: PERIOD_HELP });
    return z.NEVER;
  })
  .meta({ pattern: PERIOD_GRAMMAR.source, description: 'today, yesterday, or a duration: units d h m s in that order, e.g. 2h 30m, 1d 2h, 45s' });

const positionParam = z.string().regex(LINE_POSITION, 'must be a log line cursor or a tailCursor');

export const logQuerySchema = z
  .strictObject({
    level: z.enum(['INFO', 'ERROR'], { error: 'must be INFO or ERROR' }),
    message: textParam,
    from: msParam,
    to: msParam,
    period: periodParam,
    timeZone: timeZoneSchema,
    _size: sizeParam,
    cursor: cursorParam,
    after: positionParam,
  })
  .partial();

export const LOG_QUERY_PARAMS = Object.keys(logQuerySchema.shape);

/** Parses the logs query; throws BadRequestError naming the parameter. Pure. */
export function parseLogQuery(params: Record<string, string>): LogQuery {
  const p = parseParams(logQuerySchema, params, LOG_QUERY_PARAMS);
  const range = timeRange(p.from, p.to, 'from', 'to');
  if (p.cursor !== undefined && p.after !== undefined) {
    throw new BadRequestError('after must not be given with cursor (after tails newer lines, cursor pages older ones); got both', 'after');
  }
  return {
    level: p.level ?? null,
    message: p.message ?? null,
    from: range?.from ?? null,
    to: range?.to ?? null,
    period: p.period ?? null,
    timeZone: p.timeZone ?? 'UTC',
    size: p._size ?? DEFAULT_PAGE_SIZE,
    cursor: p.cursor ?? null,
    after: p.after ?? null,
  };
}

const LATEST = 9_999_999_999_999;

/** The inclusive time range a log query reads. `today` and `yesterday` start at midnight in the query's zone. */
export function logTimeRange(query: Pick<LogQuery, 'from' | 'to' | 'period' | 'timeZone'>, now: number): { from: number; to: number } {
  if (query.from !== null || query.to !== null) return { from: query.from ?? 0, to: query.to ?? LATEST };
  const period = query.period;
  if (period === null) return { from: 0, to: LATEST };
  if (period.kind === 'last') return { from: Math.max(0, now - period.ms), to: now };
  const today = startOfDay(now, query.timeZone);
  if (period.kind === 'today') return { from: today, to: now };
  return { from: startOfDay(now, query.timeZone, -1), to: today - 1 };
}

/**
 * Midnight that starts the calendar day of `timestamp` in `timeZone`, shifted by `days` days.
 * Found from the zone's UTC offset, re-checked at the result because a DST change between
 * midnight and `timestamp` moves the offset.
 */
export function startOfDay(timestamp: number, timeZone = 'UTC', days = 0): number {
  const wall = wallClock(timestamp, timeZone);
  const midnightAsUtc = Date.UTC(wall.year, wall.month - 1, wall.day + days);
  const guess = midnightAsUtc - offsetAt(timestamp, timeZone);
  return midnightAsUtc - offsetAt(guess, timeZone);
}

const formats = new Map<string, Intl.DateTimeFormat>();

function wallClock(timestamp: number, timeZone: string) {
  let format = formats.get(timeZone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new BadRequestError(`timeZone "${timeZone.slice(0, 60)}" is not an IANA time zone such as Europe/Madrid`, 'timeZone');
    }
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(timestamp).map((p) => [p.type, p.value]));
  const n = (k: string) => Number(parts[k]);
  return { year: n('year'), month: n('month'), day: n('day'), hour: n('hour'), minute: n('minute'), second: n('second') };
}

/** Wall-clock minus UTC at `timestamp`, in ms (e.g. +7_200_000 in Madrid in summer). */
function offsetAt(timestamp: number, timeZone: string): number {
  const w = wallClock(timestamp, timeZone);
  const wallAsUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wallAsUtc - (timestamp - (((timestamp % 1000) + 1000) % 1000));
}
