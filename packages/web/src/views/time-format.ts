/**
 * Dates and durations as the monitor shows them. The browser formats the same way
 * (assets/js/format.js) when it refreshes a table, so both must agree: `2025-01-31 14:05:09`
 * in the viewer's time zone, and durations such as `850 ms`, `12.3 s`, `4m 05s`, `2h 03m`.
 */

export const TIME_ZONE_COOKIE = 'stint-tz';

const formats = new Map<string, Intl.DateTimeFormat>();

function formatIn(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** The viewer's zone from the cookie the page script sets; anything unknown means UTC. */
export function validTimeZone(value: string | undefined): string {
  if (!value || value.length > 64) return 'UTC';
  try {
    formatIn(value);
    return value;
  } catch {
    return 'UTC';
  }
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(ms: number, timeZone: string): WallClock {
  const parts = Object.fromEntries(
    formatIn(timeZone)
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  const n = (key: string) => Number(parts[key]);
  return { year: n('year'), month: n('month'), day: n('day'), hour: n('hour'), minute: n('minute'), second: n('second') };
}

const two = (n: number) => String(n).padStart(2, '0');

export function formatDateTime(ms: number | null, timeZone: string): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const w = wallClock(ms, timeZone);
  return `${w.year}-${two(w.month)}-${two(w.day)} ${two(w.hour)}:${two(w.minute)}:${two(w.second)}`;
}

/** The value of a `datetime-local` input showing `ms`, to the minute. */
export function toInputValue(ms: number | null, timeZone: string): string {
  if (ms === null || !Number.isFinite(ms)) return '';
  const w = wallClock(ms, timeZone);
  return `${w.year}-${two(w.month)}-${two(w.day)}T${two(w.hour)}:${two(w.minute)}`;
}

/**
 * A `datetime-local` value read in `timeZone`, as ms since the epoch; null when malformed. The
 * zone's offset is taken at the guess and again at the result, because a DST change between
 * the two moves it.
 */
export function parseInputValue(value: string, timeZone: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  if (Number.isNaN(asUtc) || new Date(asUtc).getUTCDate() !== day) return null;
  const guess = asUtc - offsetAt(asUtc, timeZone);
  const ms = asUtc - offsetAt(guess, timeZone);
  return ms >= 0 ? ms : null;
}

function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const wallAsUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wallAsUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor(s / 3600) % 24}h`;
}
