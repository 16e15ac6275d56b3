import { describe, expect, it } from 'vitest';
import { latestSlot, nextSlot, planningSchema, type Planning } from './planning.ts';

const nightly = { cron: '30 2 * * *', timeZone: 'Europe/Paris' };
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Walks `count` slots forward from `from`. */
function slots(planning: Planning, from: string, count: number, automatic = nightly): Array<string | null> {
  const out: Array<string | null> = [];
  let cursor = at(from);
  for (let i = 0; i < count; i++) {
    const next = nextSlot(planning, automatic, cursor);
    out.push(iso(next));
    if (next === null) break;
    cursor = next;
  }
  return out;
}

describe('planning math', () => {
  it('automatic follows the definition cron in its zone', () => {
    expect(slots({ type: 'automatic' }, '2026-01-10T12:00:00Z', 2)).toEqual(['2026-01-11T01:30:00.000Z', '2026-01-12T01:30:00.000Z']);
  });

  it('disabled never fires', () => {
    expect(nextSlot({ type: 'disabled' }, nightly, at('2026-01-10T12:00:00Z'))).toBeNull();
    expect(latestSlot({ type: 'disabled' }, nightly, at('2026-01-10T12:00:00Z'))).toBeNull();
  });

  it('scheduled fires on the picked weekdays at each picked time', () => {
    const planning: Planning = { type: 'scheduled', days: ['mon', 'wed'], times: ['08:00', '17:45'], timeZone: 'UTC' };
    // 2026-01-05 is a Monday.
    expect(slots(planning, '2026-01-04T00:00:00Z', 5)).toEqual([
      '2026-01-05T08:00:00.000Z',
      '2026-01-05T17:45:00.000Z',
      '2026-01-07T08:00:00.000Z',
      '2026-01-07T17:45:00.000Z',
      '2026-01-12T08:00:00.000Z',
    ]);
  });

  it('a slot is strictly after the reference, and latestSlot includes the reference', () => {
    const slot = at('2026-01-11T01:30:00Z');
    expect(nextSlot({ type: 'automatic' }, nightly, slot)).toBe(at('2026-01-12T01:30:00Z'));
    expect(latestSlot({ type: 'automatic' }, nightly, slot)).toBe(slot);
    expect(latestSlot({ type: 'automatic' }, nightly, slot - 1)).toBe(at('2026-01-10T01:30:00Z'));
  });

  describe('Europe/Paris daylight saving', () => {
    it('spring forward: 02:30 does not exist on 29 March, so it runs when the clocks jump to 03:00', () => {
      expect(slots({ type: 'automatic' }, '2026-03-27T12:00:00Z', 4)).toEqual([
        '2026-03-28T01:30:00.000Z', // 02:30 CET (+01)
        '2026-03-29T01:00:00.000Z', // 03:00 CEST, the first instant after the gap
        '2026-03-30T00:30:00.000Z', // 02:30 CEST (+02)
        '2026-03-31T00:30:00.000Z',
      ]);
    });

    it('fall back: 02:30 happens twice on 25 October and runs once, at the first', () => {
      expect(slots({ type: 'automatic' }, '2026-10-24T12:00:00Z', 3)).toEqual([
        '2026-10-25T00:30:00.000Z', // 02:30 CEST, the first occurrence
        '2026-10-26T01:30:00.000Z', // 02:30 CET
        '2026-10-27T01:30:00.000Z',
      ]);
    });

    it('a weekly scheduled planning keeps its wall-clock time across the change', () => {
      const planning: Planning = { type: 'scheduled', days: ['sun'], times: ['09:00'], timeZone: 'Europe/Paris' };
      expect(slots(planning, '2026-03-20T00:00:00Z', 2)).toEqual(['2026-03-22T08:00:00.000Z', '2026-03-29T07:00:00.000Z']);
      expect(slots(planning, '2026-10-20T00:00:00Z', 2)).toEqual(['2026-10-25T08:00:00.000Z', '2026-11-01T08:00:00.000Z']);
    });

    it('an hourly cron runs every real hour, so the repeated hour runs twice', () => {
      expect(slots({ type: 'automatic' }, '2026-10-24T23:30:00Z', 4, { cron: '15 * * * *', timeZone: 'Europe/Paris' })).toEqual([
        '2026-10-25T00:15:00.000Z', // 02:15 CEST
        '2026-10-25T01:15:00.000Z', // 02:15 CET
        '2026-10-25T02:15:00.000Z', // 03:15 CET
        '2026-10-25T03:15:00.000Z',
      ]);
    });
  });

  describe('America/New_York daylight saving', () => {
    const planning: Planning = { type: 'scheduled', days: ['sat', 'sun', 'mon'], times: ['01:30', '02:30'], timeZone: 'America/New_York' };

    it('spring forward on 8 March: 01:30 EST, then 02:30 runs at 03:00 EDT', () => {
      expect(slots(planning, '2026-03-08T00:00:00Z', 4)).toEqual([
        '2026-03-08T06:30:00.000Z', // 01:30 EST (−05)
        '2026-03-08T07:00:00.000Z', // 03:00 EDT: 02:30 does not exist
        '2026-03-09T05:30:00.000Z', // 01:30 EDT (−04)
        '2026-03-09T06:30:00.000Z', // 02:30 EDT
      ]);
    });

    it('fall back on 1 November: 01:30 runs once (EDT), 02:30 EST', () => {
      expect(slots(planning, '2026-11-01T00:00:00Z', 4)).toEqual([
        '2026-11-01T05:30:00.000Z', // 01:30 EDT, the first occurrence
        '2026-11-01T07:30:00.000Z', // 02:30 EST
        '2026-11-02T06:30:00.000Z', // Monday 01:30 EST
        '2026-11-02T07:30:00.000Z',
      ]);
    });

    it('latestSlot walks back across the change the same way', () => {
      expect(iso(latestSlot(planning, nightly, at('2026-11-01T07:00:00Z')))).toBe('2026-11-01T05:30:00.000Z');
      expect(iso(latestSlot(planning, nightly, at('2026-03-08T07:10:00Z')))).toBe('2026-03-08T07:00:00.000Z');
    });
  });
});

describe('planning input', () => {
  it('normalizes days to week order and sorts times', () => {
    expect(planningSchema.parse({ type: 'scheduled', days: ['fri', 'mon'], times: ['18:00', '06:30'], timeZone: 'Europe/Paris' })).toEqual({
      type: 'scheduled',
      days: ['mon', 'fri'],
      times: ['06:30', '18:00'],
      timeZone: 'Europe/Paris',
    });
  });

  it.each([
    [{ type: 'scheduled', days: [], times: ['06:00'], timeZone: 'UTC' }, 'days'],
    [{ type: 'scheduled', days: ['mon', 'mon'], times: ['06:00'], timeZone: 'UTC' }, 'days'],
    [{ type: 'scheduled', days: ['monday'], times: ['06:00'], timeZone: 'UTC' }, 'days'],
    [{ type: 'scheduled', days: ['mon'], times: ['24:00'], timeZone: 'UTC' }, 'times'],
    [{ type: 'scheduled', days: ['mon'], times: [], timeZone: 'UTC' }, 'times'],
    [{ type: 'scheduled', days: ['mon'], times: ['06:00'], timeZone: 'Mars/Olympus' }, 'timeZone'],
    [{ type: 'weekly' }, 'type'],
    [{ type: 'disabled', days: ['mon'] }, ''],
  ])('rejects %j at %s', (input, field) => {
    const result = planningSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(String(result.error!.issues[0]!.path[0] ?? '')).toBe(field);
  });
});
