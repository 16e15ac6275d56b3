/**
 * Issue 11, item 1: job types declare who may start them, and every way in (the api, run now,
 * intake) enforces the declaration in core; the api lists what a caller may submit.
 */
import { defineJob, defineSchedule } from '@stint/sdk';
import { createIntakeHandler } from '@stint/functions/intake-handler';
import { describe, expect, it } from 'vitest';
import { ACME, GLOBEX, intakeRecord, useAppStack, type AppStack } from './app-stack.ts';

/** An installation chore: admins (and its schedules) only. */
const CHORE = defineJob({ type: 'ADMIN_CHORE', access: { submit: 'admin' }, run: async () => ({ done: true }) });
const CHORE_SCHEDULE = defineSchedule({
  id: 'tenant-chore',
  description: 'A chore per tenant',
  jobType: 'ADMIN_CHORE',
  data: {},
  scope: 'tenant',
  automatic: { cron: '0 4 * * *', timeZone: 'UTC' },
});

let s: AppStack;
useAppStack((stack) => (s = stack), { definitions: [CHORE], schedules: [CHORE_SCHEDULE] });

const GLOBEX_EXPORT = `exports/${GLOBEX}/0m00000000globexexport/companies.csv`;

describe('issue 11 item 1: who may start a job type', () => {
  it('refuses an acme tenant-admin’s PURGE_EXPORTS of every file with 403 naming the type; globex’s export survives', async () => {
    await s.putFile(GLOBEX_EXPORT, 'id,name\r\n1,Globex\r\n');
    const answer = await s.call('POST', '/api/jobs', s.tokens.acme, { type: 'PURGE_EXPORTS', data: { olderThanDays: 0, prefix: '' } });
    // Whatever was accepted runs before the file is looked at.
    const jobs = await s.settle(ACME);

    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatchObject({ code: 'forbidden', message: 'only admins may submit PURGE_EXPORTS' });
    expect(jobs.filter((job) => job.type === 'PURGE_EXPORTS')).toEqual([]);
    expect(await s.fileExists(GLOBEX_EXPORT)).toBe(true);
  });

  it('applies the same rule to run now, to intake messages, and to the listing of submittable types', async () => {
    const runNow = await s.call('POST', `/api/schedules/${CHORE_SCHEDULE.id}/run`, s.tokens.acme);
    expect(runNow.status).toBe(403);
    expect(runNow.body.error.message).toBe('only admins may submit ADMIN_CHORE');
    expect((await s.call('POST', `/api/schedules/${CHORE_SCHEDULE.id}/run?tenant=${ACME}`, s.tokens.admin)).status).toBe(201);

    const rejected: string[] = [];
    const intake = createIntakeHandler(s.api.stack.engine, {
      defaultTenant: ACME,
      binding: { '*': [ACME] },
      onRejected: (r) => rejected.push(r.reason),
    });
    const outcome = await intake({ Records: [intakeRecord('m-1', { type: 'PURGE_EXPORTS', data: { olderThanDays: 0 } })] });
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(rejected).toEqual(['PURGE_EXPORTS does not accept intake messages']);

    const listed = async (token: string) => ((await s.call('GET', '/api/job-types', token)).body.items as Array<{ type: string }>).map((t) => t.type);
    expect(await listed(s.tokens.acme)).toEqual([
      'APPROVED_EXPORT',
      'DELETE_RECORDS',
      'EXECUTE_ACTION',
      'EXECUTE_LISTENER',
      'EXPORT_RECORDS',
      'IMPORT_RECORDS',
    ]);
    expect(await listed(s.tokens.acmeViewer)).toEqual([]);
    expect(await listed(s.tokens.admin)).toEqual(expect.arrayContaining(['ADMIN_CHORE', 'PURGE_EXPORTS', 'BULK_OPERATION']));
  });
});
