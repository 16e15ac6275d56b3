import { describe, expect, it } from 'vitest';
import type { BadRequestError } from '@stint/core';
import { parseSchedulePatch } from '@stint/core/schedules';
import { fieldErrorOf, patchInput, splitAddresses } from './schedule-form.ts';

/** The field error a form body earns from the core's own parser. */
function refusal(form: 'report' | 'planning', body: Record<string, string | string[]>) {
  const input = patchInput(form, body);
  try {
    parseSchedulePatch(input);
  } catch (error) {
    return fieldErrorOf(error as BadRequestError, input);
  }
  throw new Error('accepted');
}

describe('the schedule window’s forms', () => {
  it('send days, times and zone only for a scheduled planning, without blank times', () => {
    const body = { planning: 'scheduled', days: ['mon', 'fri'], times: ['18:00', ' ', '07:30'], timeZone: ' Europe/Paris ' };
    expect(patchInput('planning', body)).toEqual({
      planning: { type: 'scheduled', days: ['mon', 'fri'], times: ['18:00', '07:30'], timeZone: 'Europe/Paris' },
    });
    expect(patchInput('planning', { ...body, planning: 'disabled' })).toEqual({ planning: { type: 'disabled' } });
  });

  it('read recipients as people paste them', () => {
    expect(splitAddresses(' a@example.com,b@example.com;\n c@example.com  ')).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(patchInput('report', { recipients: 'a@example.com' })).toEqual({ report: { enabled: false, recipients: ['a@example.com'] } });
  });

  it('place a refusal on its field group, in words, quoting the value', () => {
    expect(refusal('planning', { planning: 'scheduled', times: ['09:00'], timeZone: 'UTC' })).toEqual({
      field: 'planning.days',
      message: 'Must list at least one day of the week',
    });
    expect(refusal('planning', { planning: 'scheduled', days: ['mon'], times: ['09:00', '25:00'], timeZone: 'UTC' })).toEqual({
      field: 'planning.times',
      message: 'Must be HH:MM on a 24-hour clock: “25:00”',
    });
    expect(refusal('report', { reportEnabled: 'on', recipients: 'ok@example.com, nope' })).toMatchObject({
      field: 'report.recipients',
      message: expect.stringContaining('“nope”'),
    });
    expect(refusal('report', { reportEnabled: 'on', recipients: '' })).toEqual({
      field: 'report.recipients',
      message: 'Must list at least one address when reports are enabled',
    });
  });
});
