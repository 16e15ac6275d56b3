import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDuration, parseInputValue, toInputValue, validTimeZone } from './time-format.ts';

describe('time formatting', () => {
  it.each([
    [null, '—'],
    [0, '0 ms'],
    [850, '850 ms'],
    [12_345, '12.3 s'],
    [245_000, '4m 05s'],
    [7_380_000, '2h 03m'],
    [100_800_000, '1d 4h'],
  ])('formats %s ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('writes dates in the viewer’s zone', () => {
    const ms = Date.UTC(2025, 6, 1, 12, 5, 9);
    expect(formatDateTime(ms, 'UTC')).toBe('2025-07-01 12:05:09');
    expect(formatDateTime(ms, 'Europe/Madrid')).toBe('2025-07-01 14:05:09');
  });

  it('reads a datetime-local value back to the same instant, across a DST change', () => {
    for (const ms of [Date.UTC(2025, 2, 30, 0, 30), Date.UTC(2025, 2, 30, 1, 30), Date.UTC(2025, 9, 26, 2, 15)]) {
      expect(parseInputValue(toInputValue(ms, 'Europe/Madrid'), 'Europe/Madrid')).toBe(ms);
    }
  });

  it('refuses malformed or impossible dates', () => {
    expect(parseInputValue('2025-02-31T10:00', 'UTC')).toBeNull();
    expect(parseInputValue('tomorrow', 'UTC')).toBeNull();
  });

  it('falls back to UTC for an unknown zone', () => {
    expect(validTimeZone('Mars/Olympus')).toBe('UTC');
    expect(validTimeZone('America/Toronto')).toBe('America/Toronto');
  });
});
