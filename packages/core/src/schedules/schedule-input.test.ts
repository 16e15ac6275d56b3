import { describe, expect, it } from 'vitest';
import { parseScheduleListQuery, parseSchedulePatch } from './schedule-input.ts';
import { newScheduleState, plannedFields } from './schedule-store.ts';

describe('schedule patch', () => {
  it('accepts planning and report, normalizing addresses', () => {
    expect(parseSchedulePatch({ report: { enabled: true, recipients: ['Ops@Example.com', 'ops@example.com'] } })).toEqual({
      report: { enabled: true, recipients: ['ops@example.com'] },
    });
  });

  it.each([
    [{}, 'body', /give planning, report or both/],
    [{ id: 'other' }, 'id', /defined in code and cannot be changed/],
    [{ description: 'x' }, 'description', /cannot be changed/],
    [{ planning: { type: 'scheduled', days: ['mon'], times: ['7:00'], timeZone: 'UTC' } }, 'planning.times.0', /HH:MM/],
    [{ report: { enabled: true, recipients: [] } }, 'report.recipients', /at least one address/],
    [{ report: { enabled: false, recipients: ['not-an-email'] } }, 'report.recipients.0', /email/],
    [{ report: { enabled: false, recipients: [], cc: [] } }, 'report.cc', /unknown field/],
  ])('refuses %j at %s', (body, field, message) => {
    expect(() => parseSchedulePatch(body)).toThrow(expect.objectContaining({ code: 'badRequest', field, message: expect.stringMatching(message) }));
  });

  it('parses list filters and refuses unknown ones', () => {
    expect(parseScheduleListQuery({ status: 'failed,warnings', q: ' Export ' })).toMatchObject({ status: ['failed', 'warnings'], text: 'export', size: 100 });
    expect(() => parseScheduleListQuery({ status: 'broken' })).toThrow(expect.objectContaining({ field: 'status' }));
    expect(() => parseScheduleListQuery({ sort: 'id' })).toThrow(expect.objectContaining({ field: 'sort' }));
  });
});

describe('schedule rows as data', () => {
  const automatic = { cron: '0 2 * * *', timeZone: 'UTC' };
  it('a new row is planned automatically and enters the due index at its first slot', () => {
    expect(newScheduleState('nightly', 'acme', automatic, Date.parse('2026-01-01T03:00:00Z'))).toMatchObject({
      pk: 'SC',
      sk: 'acme#nightly',
      planning: { type: 'automatic' },
      nextRunAt: Date.parse('2026-01-02T02:00:00Z'),
      gsi5pk: 'D',
      gsi5sk: `${Date.parse('2026-01-02T02:00:00Z')}#acme#nightly`,
      version: 1,
    });
  });

  it('a disabled row leaves the due index', () => {
    expect(plannedFields({ scheduleId: 'nightly', tenant: 'acme' }, { type: 'disabled' }, automatic, 0)).toEqual({
      set: { planning: { type: 'disabled' }, planned: '[]' },
      remove: ['nextRunAt', 'gsi5pk', 'gsi5sk'],
    });
  });
});
