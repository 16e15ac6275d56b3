import { describe, expect, it } from 'vitest';
import type { Job } from '../job.ts';
import { buildReport, publishInput, subscribeInput } from './schedule-report.ts';

const job = {
  id: 'j1',
  label: 'Export records from companies',
  status: 'FINISHED',
  hasErrors: true,
  error: null,
  createDate: Date.parse('2026-03-01T02:00:00Z'),
  startDate: Date.parse('2026-03-01T02:00:03Z'),
  endDate: Date.parse('2026-03-01T03:01:05Z'),
  duration: 3_662_000,
} as Job;
const definition = { id: 'nightly-export', description: 'Exports every night.' };
const line = (message: string) => ({ timestamp: Date.parse('2026-03-01T02:10:00Z'), level: 'ERROR' as const, message, additionalInfo: null, cursor: 'c' });

describe('run reports', () => {
  it('summarizes status, times and error lines', () => {
    const report = buildReport(definition, 'acme', job, 'warnings', [line('row 3: bad city\nstack…')]);
    expect(report.subject).toBe('[Stint] nightly-export (tenant acme) succeeded with warnings');
    expect(report.message.split('\n')).toEqual([
      'Scheduled job nightly-export (tenant acme) succeeded with warnings.',
      'Exports every night.',
      '',
      'Job:       Export records from companies (j1)',
      'Status:    FINISHED, with errors',
      'Created:   2026-03-01 02:00:00 UTC',
      'Started:   2026-03-01 02:00:03 UTC',
      'Ended:     2026-03-01 03:01:05 UTC',
      'Duration:  1h 1m 2s',
      '',
      'Error lines (newest 1):',
      '  2026-03-01 02:10:00 UTC  row 3: bad city',
    ]);
  });

  it('keeps the subject to what SNS accepts: ASCII, one line, 100 characters', () => {
    const report = buildReport({ id: `x${'é'.repeat(150)}`, description: '' }, null, { ...job, error: 'boom' }, 'failed', [], 'https://jobs.example.com/');
    expect(report.subject).toMatch(/^[\x20-\x7e]{1,100}$/);
    expect(report.message).toContain('Failure: boom');
    expect(report.message).toContain('Logs: https://jobs.example.com/jobs/j1');
  });

  it('publishes with the recipients as a String.Array attribute', () => {
    const input = publishInput('arn:t', buildReport(definition, null, job, 'success', []), ['a@x.io', 'b@x.io']);
    expect(input.MessageAttributes.recipients).toEqual({ DataType: 'String.Array', StringValue: '["a@x.io","b@x.io"]' });
    expect(input.MessageAttributes.tenant).toEqual({ DataType: 'String', StringValue: 'installation' });
  });

  it('subscribes an address by email with a filter on its own address', () => {
    expect(subscribeInput('arn:t', 'a@x.io')).toMatchObject({
      Protocol: 'email',
      Endpoint: 'a@x.io',
      Attributes: { FilterPolicy: '{"recipients":["a@x.io"]}' },
    });
  });
});
