import { describe, expect, it } from 'vitest';
import { defineSchedule, type ScheduleDefinition } from './index.ts';

const NIGHTLY: ScheduleDefinition = {
  id: 'nightly-export',
  description: 'Exports every record at 03:00',
  jobType: 'EXPORT_RECORDS',
  data: { entity: 'companies' },
  scope: 'tenant',
  automatic: { cron: '0 3 * * *', timeZone: 'Europe/Paris' },
};

const withChanges = (changes: Partial<ScheduleDefinition>) => ({ ...NIGHTLY, ...changes });
const withAutomatic = (automatic: Partial<ScheduleDefinition['automatic']>) => withChanges({ automatic: { ...NIGHTLY.automatic, ...automatic } });

describe('defineSchedule', () => {
  it('returns the schedule as declared', () => {
    expect(defineSchedule(NIGHTLY)).toStrictEqual({
      id: 'nightly-export',
      description: 'Exports every record at 03:00',
      jobType: 'EXPORT_RECORDS',
      data: { entity: 'companies' },
      scope: 'tenant',
      automatic: { cron: '0 3 * * *', timeZone: 'Europe/Paris' },
    });
  });

  it('does not share the author’s automatic settings', () => {
    const automatic = { cron: '0 3 * * *', timeZone: 'UTC' };
    const schedule = defineSchedule(withChanges({ automatic }));
    automatic.cron = '* * * * *';
    expect(schedule.automatic.cron).toBe('0 3 * * *');
  });

  it.each(['a', 'nightly-export', 'v2', `a${'b'.repeat(62)}`])('accepts the id %s', (id) => {
    expect(defineSchedule(withChanges({ id })).id).toBe(id);
  });

  it.each(['', 'Nightly', '2nd-run', '-nightly', 'nightly_export', 'nightly export', `a${'b'.repeat(63)}`])('refuses the id "%s"', (id) => {
    expect(() => defineSchedule(withChanges({ id }))).toThrow(new TypeError(`schedule id "${id}" must match /^[a-z][a-z0-9-]{0,62}$/ (e.g. nightly-export)`));
  });

  it.each(['', '   '])('refuses the description "%s"', (description) => {
    expect(() => defineSchedule(withChanges({ description }))).toThrow(new TypeError('schedule nightly-export needs a description'));
  });

  it.each(['allow', 'skip', undefined] as const)('accepts overlap %s', (overlap) => {
    expect(defineSchedule(withChanges({ overlap })).overlap).toBe(overlap);
  });

  it('refuses another overlap', () => {
    expect(() => defineSchedule(withChanges({ overlap: 'queue' as never }))).toThrow(
      new TypeError('schedule nightly-export: overlap must be "allow" or "skip"'),
    );
  });

  it.each(['tenant', 'installation'] as const)('accepts the scope %s', (scope) => {
    expect(defineSchedule(withChanges({ scope })).scope).toBe(scope);
  });

  it('refuses another scope', () => {
    expect(() => defineSchedule(withChanges({ scope: 'global' as never }))).toThrow(
      new TypeError('schedule nightly-export: scope must be "tenant" or "installation"'),
    );
  });

  it.each(['UTC', 'America/New_York', 'Asia/Kolkata'])('accepts the time zone %s', (timeZone) => {
    expect(defineSchedule(withAutomatic({ timeZone })).automatic.timeZone).toBe(timeZone);
  });

  it.each(['Mars/Olympus', 'Paris', ''])('refuses the time zone "%s"', (timeZone) => {
    expect(() => defineSchedule(withAutomatic({ timeZone }))).toThrow(
      new TypeError(`schedule nightly-export: time zone "${timeZone}" is not an IANA time zone`),
    );
  });

  it.each(['*/15 * * * *', '0 9 * * 1-5', '30 2 1 * *', '  0  3 * * *  '])('accepts the 5-field cron "%s"', (cron) => {
    expect(defineSchedule(withAutomatic({ cron })).automatic.cron).toBe(cron);
  });

  it.each(['61 * * * *', '0 25 * * *', 'every night'])('refuses the cron "%s" that does not parse', (cron) => {
    expect(() => defineSchedule(withAutomatic({ cron }))).toThrow(`schedule nightly-export: cron "${cron}" is not valid: `);
  });

  it('refuses a cron with a seconds field: slots are planned by the minute', () => {
    expect(() => defineSchedule(withAutomatic({ cron: '0 0 3 * * *' }))).toThrow(
      new TypeError('schedule nightly-export: cron "0 0 3 * * *" must have 5 fields (minute hour day month weekday)'),
    );
  });
});
