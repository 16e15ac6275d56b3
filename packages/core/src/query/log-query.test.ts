import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors.ts';
import { logTimeRange, parseDuration, parseLogQuery, startOfDay } from './log-query.ts';

const NOW = Date.UTC(2025, 2, 30, 15, 45, 12, 345); // Sunday 30 March 2025, 15:45:12.345 UTC
const H = 3_600_000;

function fieldOf(params: Record<string, string>): string | undefined {
  try {
    parseLogQuery(params);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    return (error as BadRequestError).field;
  }
  throw new Error(`accepted ${JSON.stringify(params)}`);
}

describe('parseDuration', () => {
  it.each([
    ['2h 30m', 2.5 * H],
    ['10m', 600_000],
    ['1d 2h', 26 * H],
    ['45s', 45_000],
    ['2h30m', 2.5 * H],
    [' 1D ', 24 * H],
  ])('%s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '0m', '2x', '2h 3h', 'h', '1.5h', '-1h', '10', 'today', '99999999d'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('parseLogQuery', () => {
  it('parses levels, text, ranges and periods', () => {
    expect(parseLogQuery({})).toEqual({ level: null, message: null, from: null, to: null, period: null, timeZone: 'UTC', size: 50, cursor: null, after: null });
    expect(parseLogQuery({ level: 'ERROR', message: ' Timeout ', period: '2h 30m', _size: '10' })).toMatchObject({
      level: 'ERROR',
      message: 'Timeout',
      period: { kind: 'last', ms: 2.5 * H },
      size: 10,
    });
    expect(parseLogQuery({ period: 'Today' }).period).toEqual({ kind: 'today' });
    expect(parseLogQuery({ after: '0000000001000#000007#ab1z' }).after).toBe('0000000001000#000007#ab1z');
    expect(parseLogQuery({ period: 'today', timeZone: 'Europe/Paris' }).timeZone).toBe('Europe/Paris');
  });

  it.each([
    [{ level: 'WARN' }, 'level'],
    [{ level: 'info' }, 'level'],
    [{ period: 'last week' }, 'period'],
    [{ period: '0s' }, 'period'],
    [{ from: 'x' }, 'from'],
    [{ from: '5', to: '4' }, 'to'],
    [{ _size: '1001' }, '_size'],
    [{ after: 'abc' }, 'after'],
    [{ after: '0000000001000#000007', cursor: 'abc' }, 'after'],
    [{ lvl: 'INFO' }, 'lvl'],
    [{ period: 'today', timeZone: 'Mars/Olympus' }, 'timeZone'],
    [{ timeZone: 'x'.repeat(65) }, 'timeZone'],
  ])('rejects %j naming %s', (params, field) => {
    expect(fieldOf(params as Record<string, string>)).toBe(field);
  });

  it('says what a time zone may be', () => {
    expect(() => parseLogQuery({ timeZone: 'Europe/Pariss' })).toThrow('timeZone must be an IANA time zone such as Europe/Paris');
  });

  it('says what a period may be', () => {
    expect(() => parseLogQuery({ period: 'soon' })).toThrow('period must be today, yesterday or a duration such as 2h 30m');
  });
});

describe('logTimeRange', () => {
  const range = (params: Record<string, string>, timeZone?: string) => logTimeRange(parseLogQuery({ ...params, ...(timeZone ? { timeZone } : {}) }), NOW);
  const midnight = Date.UTC(2025, 2, 30);

  it('reads everything without a range or period', () => {
    expect(range({})).toEqual({ from: 0, to: 9_999_999_999_999 });
  });

  it('uses from/to and then ignores period', () => {
    expect(range({ from: '100', period: 'today' })).toEqual({ from: 100, to: 9_999_999_999_999 });
    expect(range({ to: '100', period: 'today' })).toEqual({ from: 0, to: 100 });
  });

  it('reads today and yesterday from midnight UTC', () => {
    expect(range({ period: 'today' })).toEqual({ from: midnight, to: NOW });
    expect(range({ period: 'yesterday' })).toEqual({ from: midnight - 24 * H, to: midnight - 1 });
  });

  it('reads a duration back from now', () => {
    expect(range({ period: '2h 30m' })).toEqual({ from: NOW - 2.5 * H, to: NOW });
    expect(range({ period: '1d' })).toEqual({ from: NOW - 24 * H, to: NOW });
  });

  it('starts the day in the given time zone, across a DST change', () => {
    // Madrid moved to summer time at 02:00 on 30 March 2025: midnight was still UTC+1.
    expect(range({ period: 'today' }, 'Europe/Madrid')).toEqual({ from: midnight - H, to: NOW });
    // 29 March started at 00:00 CET (UTC+1) too, and lasted 24 h.
    expect(range({ period: 'yesterday' }, 'Europe/Madrid')).toEqual({ from: midnight - 25 * H, to: midnight - H - 1 });
    // New York (EDT, UTC−4): it is 11:45 on the 30th there.
    expect(range({ period: 'today' }, 'America/New_York').from).toBe(midnight + 4 * H);
    // Tokyo (UTC+9): already 00:45 on the 31st.
    expect(range({ period: 'today' }, 'Asia/Tokyo').from).toBe(Date.UTC(2025, 2, 30, 15));
  });

  it.each([
    // Spring forward: 30 March 2025 starts at 00:00 CET (UTC+1) and lasts 23 hours.
    ['the spring change day', Date.UTC(2025, 2, 30, 21, 30), Date.UTC(2025, 2, 29, 23), Date.UTC(2025, 2, 28, 23)],
    // The day after it starts at 00:00 CEST (UTC+2); yesterday was the 23-hour day.
    ['the day after the spring change', Date.UTC(2025, 2, 31, 9), Date.UTC(2025, 2, 30, 22), Date.UTC(2025, 2, 29, 23)],
    // Fall back: 26 October 2025 starts at 00:00 CEST (UTC+2) and lasts 25 hours.
    ['the autumn change day', Date.UTC(2025, 9, 26, 22, 59), Date.UTC(2025, 9, 25, 22), Date.UTC(2025, 9, 24, 22)],
    ['the day after the autumn change', Date.UTC(2025, 9, 27, 0, 30), Date.UTC(2025, 9, 26, 23), Date.UTC(2025, 9, 25, 22)],
  ])('reads today and yesterday in Europe/Paris on %s', (_day, now, todayStarts, yesterdayStarts) => {
    const query = (period: string) => parseLogQuery({ period, timeZone: 'Europe/Paris' });
    expect(logTimeRange(query('today'), now)).toEqual({ from: todayStarts, to: now });
    expect(logTimeRange(query('yesterday'), now)).toEqual({ from: yesterdayStarts, to: todayStarts - 1 });
  });

  it('rejects an unknown time zone naming timeZone', () => {
    expect(() => startOfDay(NOW, 'Mars/Olympus')).toThrow(expect.objectContaining({ field: 'timeZone' }));
  });
});
