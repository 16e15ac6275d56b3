import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { isTimeZone, TIME_ZONES, timeZoneSchema } from './time-zones.ts';

describe('time zones', () => {
  it('list UTC, the geographic zones and the fixed offsets', () => {
    expect(TIME_ZONES[0]).toBe('UTC');
    expect(TIME_ZONES).toEqual(expect.arrayContaining(['Europe/Paris', 'America/New_York', 'Etc/GMT-14', 'Etc/GMT+12']));
    expect(new Set(TIME_ZONES).size).toBe(TIME_ZONES.length);
  });

  it.each(['UTC', 'Europe/Paris', 'Etc/GMT-14', 'Asia/Kolkata', 'Asia/Calcutta', 'Europe/Kyiv', 'Etc/UTC', 'europe/paris'])(
    'accept %s, listed or another name of a listed zone',
    (name) => {
      expect(isTimeZone(name)).toBe(true);
      expect(timeZoneSchema.parse(name)).toBe(name);
    },
  );

  it.each(['Mars/Olympus', 'Europe/Pariss', '', `Europe/${'x'.repeat(70)}`, 'Etc/GMT-15'])('refuse %j', (name) => {
    expect(isTimeZone(name)).toBe(false);
    expect(timeZoneSchema.safeParse(name).error?.issues[0]?.message).toBe('must be an IANA time zone such as Europe/Paris');
  });

  it('document the listed names as the enum', () => {
    expect(z.toJSONSchema(timeZoneSchema)).toMatchObject({ type: 'string', enum: [...TIME_ZONES] });
  });
});
