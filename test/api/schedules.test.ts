import { describe, expect, it } from 'vitest';
import type { Job } from '@stint/core';
import type { Page, ScheduleRow, ScheduleRun } from '@stint/core/schedules/schedules';
import { AUDIT, NIGHTLY, PURGE, TENANT_A, TENANT_B, TEST_SCHEDULES, useApiStack, type ApiStack } from './api-stack.ts';

/** Scheduled jobs over the api: who sees which rows, planning and reports, runs, unread logs. */

const json = async <T>(response: Response) => (await response.json()) as T;
const keyOf = (row: Pick<ScheduleRow, 'id' | 'tenant'>) => `${row.id}@${row.tenant ?? 'installation'}`;
const path = (id: string, tenant?: string, suffix = '') => `/api/schedules/${id}${suffix}${tenant ? `?tenant=${tenant}` : ''}`;

async function list(api: ApiStack, query = '', token = api.tokens.admin): Promise<Page<ScheduleRow>> {
  const response = await api.call('GET', `/api/schedules${query}`, { token });
  expect(response.status).toBe(200);
  return json<Page<ScheduleRow>>(response);
}

async function row(api: ApiStack, id: string, tenant?: string, token = api.tokens.admin): Promise<ScheduleRow> {
  const response = await api.call('GET', path(id, tenant), { token });
  expect(response.status).toBe(200);
  return json<ScheduleRow>(response);
}

async function runs(api: ApiStack, id: string, tenant: string | undefined, query = ''): Promise<Page<ScheduleRun>> {
  const response = await api.call('GET', `${path(id, tenant, '/runs')}${tenant ? '&' : '?'}${query}`);
  expect(response.status).toBe(200);
  return json<Page<ScheduleRun>>(response);
}

async function runNow(api: ApiStack, id: string, tenant?: string, token = api.tokens.admin): Promise<Job> {
  const response = await api.call('POST', path(id, tenant, '/run'), { token });
  expect(response.status).toBe(201);
  return (await json<{ job: Job }>(response)).job;
}

async function finished(api: ApiStack, jobs: Job[]): Promise<void> {
  await api.stack.runUntil(async () => {
    const now = await Promise.all(jobs.map((job) => api.stack.engine.get(job.id, { allTenants: true })));
    return now.every((job) => job.status === 'FINISHED');
  });
}

async function errorOf(response: Response) {
  return (await json<{ error: { code: string; message: string; field?: string } }>(response)).error;
}

describe('who sees which schedules', () => {
  let api: ApiStack;
  useApiStack((stack) => (api = stack), { schedules: TEST_SCHEDULES });

  const tenantRows = (tenant: string) => [`${AUDIT.id}@${tenant}`, `${NIGHTLY.id}@${tenant}`];

  it('shows an admin every tenant’s rows and the installation-wide one, in (tenant, id) order', async () => {
    const page = await list(api);
    expect(page.items.map(keyOf)).toEqual([`${PURGE.id}@installation`, ...tenantRows(TENANT_A), ...tenantRows(TENANT_B)]);
    expect(page.nextCursor).toBeNull();
    expect(page.items.find((r) => r.id === NIGHTLY.id)).toEqual({
      id: NIGHTLY.id,
      description: NIGHTLY.description,
      jobType: 'QUICK',
      scope: 'tenant',
      tenant: TENANT_A,
      planning: { type: 'automatic' },
      automatic: NIGHTLY.automatic,
      overlap: 'allow',
      report: { enabled: false, recipients: [] },
      nextRunAt: expect.any(Number),
      lastRun: null,
      unreadLogs: false,
      lastReport: null,
    });
  });

  it('lets an admin narrow the list to one tenant, or to the installation-wide rows', async () => {
    expect((await list(api, `?tenant=${TENANT_B}`)).items.map(keyOf)).toEqual(tenantRows(TENANT_B));
    expect((await list(api, '?tenant=_admin')).items.map(keyOf)).toEqual([`${PURGE.id}@installation`]);
  });

  it('shows a tenant-admin and a viewer their own tenant’s rows only', async () => {
    for (const token of [api.tokens.tenantAdminA, api.tokens.viewerA]) {
      expect((await list(api, '', token)).items.map(keyOf)).toEqual(tenantRows(TENANT_A));
    }
    expect((await api.call('GET', `/api/schedules?tenant=${TENANT_B}`, { token: api.tokens.tenantAdminA })).status).toBe(403);
  });

  it('pages with the cursor, and filters by text in the id', async () => {
    const all = (await list(api)).items.map(keyOf);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page<ScheduleRow> = await list(api, `?size=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...page.items.map(keyOf));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(seen).toEqual(all);
    expect(pages).toBe(3);
    expect((await list(api, '?q=AUDIT')).items.map(keyOf)).toEqual([`${AUDIT.id}@${TENANT_A}`, `${AUDIT.id}@${TENANT_B}`]);
    expect((await list(api, '?q=nothing-like-it')).items).toEqual([]);
  });

  it('refuses a cursor issued for another filter', async () => {
    const first = await list(api, '?size=1');
    const response = await api.call('GET', `/api/schedules?size=1&q=audit&cursor=${encodeURIComponent(first.nextCursor!)}`);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).field).toBe('cursor');
  });

  it.each([
    ['?size=0', 'size'],
    ['?status=never', 'status'],
    ['?sort=id', 'sort'],
    ['?tenant=Not_Valid', 'tenant'],
  ])('answers 400 naming the parameter for %s', async (query, field) => {
    const response = await api.call('GET', `/api/schedules${query}`);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'badRequest', field });
  });

  it('finds a tenant-admin’s own row without a tenant, and answers 404 for another tenant’s and the installation’s', async () => {
    expect(await row(api, NIGHTLY.id, undefined, api.tokens.tenantAdminA)).toMatchObject({ id: NIGHTLY.id, tenant: TENANT_A });
    expect(await row(api, NIGHTLY.id, TENANT_A, api.tokens.viewerA)).toMatchObject({ id: NIGHTLY.id, tenant: TENANT_A });
    const elsewhere = await api.call('GET', path(NIGHTLY.id, TENANT_B), { token: api.tokens.tenantAdminA });
    expect(elsewhere.status).toBe(404);
    expect(await errorOf(elsewhere)).toEqual({ code: 'notFound', message: `schedule ${NIGHTLY.id} of tenant ${TENANT_B} not found` });
    const installation = await api.call('GET', path(PURGE.id), { token: api.tokens.tenantAdminA });
    expect(installation.status).toBe(404);
    expect(await errorOf(installation)).toEqual({ code: 'notFound', message: `schedule ${PURGE.id} not found` });
  });

  it.each([
    ['an unknown id', path('no-such-schedule', TENANT_A), 404, undefined],
    ['an id that cannot be one', path('Not_An_Id'), 400, 'id'],
    ['a per-tenant schedule without its tenant (admins)', path(NIGHTLY.id), 400, 'tenant'],
    ['an installation-wide schedule with a tenant', path(PURGE.id, TENANT_A), 400, 'tenant'],
    ['a malformed tenant', path(NIGHTLY.id, 'Not_Valid'), 400, 'tenant'],
    ['the admin tenant for a per-tenant schedule', path(NIGHTLY.id, '_admin'), 400, 'tenant'],
    ['a tenant without jobs', path(NIGHTLY.id, 'tenant-zz'), 404, undefined],
  ])('answers an admin asking for %s (%s) with %i', async (_, url, status, field) => {
    const response = await api.call('GET', url);
    expect(response.status).toBe(status);
    expect((await errorOf(response)).field).toBe(field);
  });

  it('answers a viewer 403 for changes to its own rows and 404 for other rows, starting nothing', async () => {
    const before = await row(api, NIGHTLY.id, TENANT_A);
    const viewer = { token: api.tokens.viewerA };
    const answers = [
      await api.call('PATCH', path(NIGHTLY.id), { ...viewer, body: { planning: { type: 'disabled' } } }),
      await api.call('POST', path(NIGHTLY.id, undefined, '/run'), viewer),
      await api.call('POST', '/api/schedules/run', { ...viewer, body: { schedules: [{ id: NIGHTLY.id }] } }),
      await api.call('PATCH', path(NIGHTLY.id, TENANT_B), { ...viewer, body: { planning: { type: 'disabled' } } }),
      await api.call('POST', path(NIGHTLY.id, TENANT_B, '/run'), viewer),
      await api.call('POST', path(PURGE.id, undefined, '/run'), viewer),
      await api.call('POST', '/api/schedules/run', { ...viewer, body: { schedules: [{ id: NIGHTLY.id }, { id: AUDIT.id, tenant: TENANT_B }] } }),
    ];
    expect(answers.map((r) => r.status)).toEqual([403, 403, 403, 404, 404, 404, 404]);
    expect(await errorOf(answers[0]!)).toEqual({ code: 'forbidden', message: 'viewer keys are read-only' });
    expect(await row(api, NIGHTLY.id, TENANT_A)).toEqual(before);
    expect((await json<{ items: Job[] }>(await api.call('GET', '/api/jobs'))).items).toEqual([]);
  });

  it('answers a tenant-admin 404 for changes to another tenant’s rows, starting nothing', async () => {
    const before = await row(api, NIGHTLY.id, TENANT_B);
    const token = api.tokens.tenantAdminA;
    const answers = [
      await api.call('PATCH', path(NIGHTLY.id, TENANT_B), { token, body: { planning: { type: 'disabled' } } }),
      await api.call('POST', path(NIGHTLY.id, TENANT_B, '/run'), { token }),
      await api.call('POST', '/api/schedules/run', { token, body: { schedules: [{ id: NIGHTLY.id }, { id: NIGHTLY.id, tenant: TENANT_B }] } }),
    ];
    expect(answers.map((r) => r.status)).toEqual([404, 404, 404]);
    expect(await row(api, NIGHTLY.id, TENANT_B)).toEqual(before);
    expect((await json<{ items: Job[] }>(await api.call('GET', '/api/jobs'))).items).toEqual([]);
  });
});

describe('planning and reports', () => {
  // Monday 2 March 2026, 10:00 UTC (11:00 in Paris, before its summer time), moving with real time.
  const BASE = Date.UTC(2026, 2, 2, 10, 0);
  const started = Date.now();
  let api: ApiStack;
  useApiStack((stack) => (api = stack), { schedules: TEST_SCHEDULES, clock: () => BASE + (Date.now() - started) });

  const patch = (id: string, tenant: string | undefined, body: unknown, token = api.tokens.admin) => api.call('PATCH', path(id, tenant), { token, body });

  it('starts automatic, at the next slot of the code’s cron', async () => {
    expect(await row(api, NIGHTLY.id, TENANT_A)).toMatchObject({ planning: { type: 'automatic' }, nextRunAt: Date.UTC(2026, 2, 3, 3, 0) });
    expect(await row(api, PURGE.id)).toMatchObject({ tenant: null, nextRunAt: Date.UTC(2026, 2, 2, 11, 0) });
  });

  it('plans days × times in a time zone: the next run moves to the first of them', async () => {
    const planning = { type: 'scheduled', days: ['wed', 'mon'], times: ['18:30', '12:00'], timeZone: 'Europe/Paris' };
    const response = await patch(NIGHTLY.id, undefined, { planning }, api.tokens.tenantAdminA);
    expect(response.status).toBe(200);
    const changed = await json<ScheduleRow>(response);
    // Monday 12:00 in Paris is 11:00 UTC, an hour from now.
    expect(changed).toMatchObject({
      tenant: TENANT_A,
      planning: { type: 'scheduled', days: ['mon', 'wed'], times: ['12:00', '18:30'], timeZone: 'Europe/Paris' },
      nextRunAt: Date.UTC(2026, 2, 2, 11, 0),
    });
    expect(await row(api, NIGHTLY.id, TENANT_A)).toEqual(changed);
    // Each tenant plans its own row.
    expect(await row(api, NIGHTLY.id, TENANT_B)).toMatchObject({ planning: { type: 'automatic' }, nextRunAt: Date.UTC(2026, 2, 3, 3, 0) });
  });

  it('disables a schedule (no next run) and gives it back its automatic planning', async () => {
    const disabled = await json<ScheduleRow>(await patch(NIGHTLY.id, TENANT_A, { planning: { type: 'disabled' } }));
    expect(disabled).toMatchObject({ planning: { type: 'disabled' }, nextRunAt: null });
    const automatic = await json<ScheduleRow>(await patch(NIGHTLY.id, TENANT_A, { planning: { type: 'automatic' } }));
    expect(automatic).toMatchObject({ planning: { type: 'automatic' }, nextRunAt: Date.UTC(2026, 2, 3, 3, 0) });
  });

  it('plans the installation-wide schedule (admins)', async () => {
    const response = await patch(PURGE.id, undefined, { planning: { type: 'disabled' } });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ id: PURGE.id, tenant: null, planning: { type: 'disabled' }, nextRunAt: null });
  });

  it('turns reports on for a list of recipients, leaving the planning as it was', async () => {
    const before = await row(api, AUDIT.id, TENANT_A);
    const report = { enabled: true, recipients: ['Ops@Example.com', 'ops@example.com', 'lead@example.com'] };
    const response = await patch(AUDIT.id, undefined, { report }, api.tokens.tenantAdminA);
    expect(response.status).toBe(200);
    const changed = await json<ScheduleRow>(response);
    expect(changed.report).toEqual({ enabled: true, recipients: ['ops@example.com', 'lead@example.com'] });
    expect({ ...changed, report: before.report }).toEqual(before);
    const off = await json<ScheduleRow>(await patch(AUDIT.id, TENANT_A, { report: { enabled: false, recipients: [] } }));
    expect(off.report).toEqual({ enabled: false, recipients: [] });
  });

  const scheduled = { type: 'scheduled', days: ['mon'], times: ['12:00'], timeZone: 'Europe/Paris' };
  it.each([
    [{ id: 'renamed' }, 'id', 'id is defined in code and cannot be changed; only planning and report can'],
    [{ description: 'Other words' }, 'description', 'description is defined in code and cannot be changed; only planning and report can'],
    [{}, 'body', 'body must give planning, report or both; got an object'],
    [{ planning: { type: 'hourly' } }, 'planning.type', undefined],
    [{ planning: { ...scheduled, days: [] } }, 'planning.days', 'planning.days must list at least one day of the week; got a list of 0'],
    [{ planning: { ...scheduled, days: ['mon', 'mon'] } }, 'planning.days', 'planning.days must not repeat a day; got a list of 2'],
    [{ planning: { ...scheduled, times: ['24:00'] } }, 'planning.times.0', 'planning.times.0 must be HH:MM on a 24-hour clock; got "24:00"'],
    [
      { planning: { ...scheduled, timeZone: 'Mars/Olympus' } },
      'planning.timeZone',
      'planning.timeZone must be an IANA time zone such as Europe/Paris; got "Mars/Olympus"',
    ],
    [{ planning: { type: 'automatic', cron: '* * * * *' } }, 'planning.cron', 'unknown field "planning.cron"'],
    [
      { report: { enabled: true, recipients: [] } },
      'report.recipients',
      'report.recipients must list at least one address when reports are enabled; got a list of 0',
    ],
    [
      { report: { enabled: true, recipients: ['not-an-address'] } },
      'report.recipients.0',
      'report.recipients.0 must be an email address; got "not-an-address"',
    ],
    [{ planning: { type: 'disabled' }, report: { enabled: true, recipients: ['a@example.com'] }, extra: 1 }, 'extra', 'unknown field "extra"'],
    ['{"planning": ', 'body', 'body must be valid JSON; got text that does not parse'],
  ])('answers 400 for %j, naming %s, and changes nothing', async (body, field, message) => {
    const before = await row(api, NIGHTLY.id, TENANT_A);
    const response = await patch(NIGHTLY.id, TENANT_A, body);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'badRequest', field, ...(message ? { message } : {}) });
    expect(await row(api, NIGHTLY.id, TENANT_A)).toEqual(before);
  });

  it.each([
    ['a per-tenant schedule without its tenant', NIGHTLY.id, undefined, 'tenant'],
    ['an installation-wide schedule with a tenant', PURGE.id, TENANT_A, 'tenant'],
  ])('answers 400 for %s, and changes nothing', async (_, id, tenant, field) => {
    const before = await list(api);
    const response = await patch(id, tenant, { planning: { type: 'disabled' } });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).field).toBe(field);
    expect(await list(api)).toEqual(before);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await api.call('PATCH', path(NIGHTLY.id, TENANT_A), { body: 'planning=disabled', headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({
      code: 'badRequest',
      message: 'body must be JSON, sent with Content-Type: application/json; got another media type',
      field: 'body',
    });
  });
});

describe('running now, latest executions and unread logs', () => {
  let api: ApiStack;
  useApiStack((stack) => (api = stack), { schedules: TEST_SCHEDULES });

  it('starts a run in the schedule’s tenant, by the caller, listed among the jobs and the schedule’s runs', async () => {
    const response = await api.call('POST', path(NIGHTLY.id, TENANT_A, '/run'));
    expect(response.status).toBe(201);
    const { job } = await json<{ job: Job }>(response);
    expect(job).toMatchObject({
      type: 'QUICK',
      tenant: TENANT_A,
      scheduleId: NIGHTLY.id,
      data: { n: 2 },
      runBy: { id: 'admin-token', name: 'bootstrap admin token' },
    });
    expect(response.headers.get('location')).toBe(`/api/jobs/${job.id}`);
    const jobs = await json<{ items: Job[] }>(await api.call('GET', `/api/jobs?tenant=${TENANT_A}`, { token: api.tokens.tenantAdminA }));
    expect(jobs.items.find((j) => j.id === job.id)).toMatchObject({ scheduleId: NIGHTLY.id });

    await finished(api, [job]);
    const page = await runs(api, NIGHTLY.id, TENANT_A);
    expect(page.items.map((run) => [run.id, run.runStatus])).toEqual([[job.id, 'success']]);
    expect(page.items[0]).toMatchObject({ scheduleId: NIGHTLY.id, tenant: TENANT_A, type: 'QUICK', runBy: { id: 'admin-token' }, jobRemoved: false });
    expect((await row(api, NIGHTLY.id, TENANT_A)).lastRun).toMatchObject({ jobId: job.id, status: 'success', endDate: expect.any(Number) });
  });

  it('runs a tenant-admin’s own row without naming the tenant', async () => {
    const job = await runNow(api, AUDIT.id, undefined, api.tokens.tenantAdminA);
    expect(job).toMatchObject({ type: 'FAILING', tenant: TENANT_A, scheduleId: AUDIT.id, runBy: { name: `tenant-admin ${TENANT_A}` } });
    await finished(api, [job]);
    expect((await runs(api, AUDIT.id, TENANT_A)).items.map((run) => [run.id, run.runStatus])).toEqual([[job.id, 'warnings']]);
  });

  it('runs several schedules at once, each once', async () => {
    const response = await api.call('POST', '/api/schedules/run', {
      body: {
        schedules: [
          { id: NIGHTLY.id, tenant: TENANT_B },
          { id: PURGE.id, tenant: null },
          { id: NIGHTLY.id, tenant: TENANT_B },
        ],
      },
    });
    expect(response.status).toBe(201);
    const { jobs } = await json<{ jobs: Job[] }>(response);
    expect(jobs.map((job) => [job.scheduleId, job.tenant])).toEqual([
      [NIGHTLY.id, TENANT_B],
      [PURGE.id, '_admin'],
    ]);
    await finished(api, jobs);
  });

  it.each([
    ['an unknown schedule', [{ id: 'no-such-schedule' }], 404, undefined, 'schedule no-such-schedule not found'],
    [
      'a per-tenant schedule without its tenant',
      [{ id: AUDIT.id }],
      400,
      'schedules.1.tenant',
      `schedules.1.tenant must name the tenant of schedule ${AUDIT.id}, which runs per tenant; got nothing`,
    ],
    [
      'a malformed tenant',
      [{ id: AUDIT.id, tenant: 'Not_Valid' }],
      400,
      'schedules.1.tenant',
      'schedules.1.tenant must be a tenant (1 to 63 lower-case letters, digits and dashes, not starting with a dash); got "Not_Valid"',
    ],
    ['a malformed id', [{ id: 'Not An Id' }], 400, 'schedules.1.id', undefined],
  ])('starts nothing when one of the schedules is %s', async (_, others, status, field, message) => {
    const before = (await runs(api, NIGHTLY.id, TENANT_A)).items.length;
    const response = await api.call('POST', '/api/schedules/run', { body: { schedules: [{ id: NIGHTLY.id, tenant: TENANT_A }, ...others] } });
    expect(response.status).toBe(status);
    expect(await errorOf(response)).toMatchObject({ ...(field ? { field } : {}), ...(message ? { message } : {}) });
    expect((await runs(api, NIGHTLY.id, TENANT_A)).items.length).toBe(before);
  });

  it.each([
    [{ schedules: [] }, 'schedules'],
    [{ schedules: Array.from({ length: 51 }, () => ({ id: PURGE.id })) }, 'schedules'],
    [{ schedules: [{ id: PURGE.id }], ids: [PURGE.id] }, 'ids'],
  ])('answers 400 for the run body %#', async (body, field) => {
    const response = await api.call('POST', '/api/schedules/run', { body });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).field).toBe(field);
  });

  it('filters the runs by how they ended and pages them newest first', async () => {
    const more = [await runNow(api, NIGHTLY.id, TENANT_A), await runNow(api, NIGHTLY.id, TENANT_A)];
    await finished(api, more);
    const all = (await runs(api, NIGHTLY.id, TENANT_A)).items;
    expect(all).toHaveLength(3);
    expect(all.map((run) => run.createDate)).toEqual([...all.map((run) => run.createDate)].sort((a, b) => b - a));
    expect((await runs(api, NIGHTLY.id, TENANT_A, 'status=success')).items.map((run) => run.id)).toEqual(all.map((run) => run.id));
    expect((await runs(api, NIGHTLY.id, TENANT_A, 'status=warnings,failed')).items).toEqual([]);
    expect((await runs(api, AUDIT.id, TENANT_A, 'status=warnings')).items).toHaveLength(1);

    const first = await runs(api, NIGHTLY.id, TENANT_A, 'size=2');
    expect(first.items.map((run) => run.id)).toEqual(all.slice(0, 2).map((run) => run.id));
    const second = await runs(api, NIGHTLY.id, TENANT_A, `size=2&cursor=${encodeURIComponent(first.nextCursor!)}`);
    expect(second.items.map((run) => run.id)).toEqual([all[2]!.id]);
    expect(second.nextCursor).toBeNull();
  });

  it('answers 400 for a bad runs query and 404 for another tenant’s runs', async () => {
    expect((await api.call('GET', `${path(NIGHTLY.id, TENANT_A, '/runs')}&status=done`)).status).toBe(400);
    expect((await api.call('GET', `${path(NIGHTLY.id, TENANT_A, '/runs')}&size=101`)).status).toBe(400);
    expect((await api.call('GET', path(NIGHTLY.id, TENANT_B, '/runs'), { token: api.tokens.viewerA })).status).toBe(404);
    expect((await api.call('GET', path(NIGHTLY.id, undefined, '/runs'), { token: api.tokens.viewerA })).status).toBe(200);
  });

  it('filters the list by how the last run went', async () => {
    expect((await list(api, '?status=warnings')).items.map(keyOf)).toEqual([`${AUDIT.id}@${TENANT_A}`]);
    expect((await list(api, '?status=success')).items.map(keyOf)).toEqual([
      `${PURGE.id}@installation`,
      `${NIGHTLY.id}@${TENANT_A}`,
      `${NIGHTLY.id}@${TENANT_B}`,
    ]);
    expect((await list(api, `?status=success,warnings&tenant=${TENANT_A}`)).items.map(keyOf)).toEqual([`${AUDIT.id}@${TENANT_A}`, `${NIGHTLY.id}@${TENANT_A}`]);
    expect((await list(api, '?status=running,failed')).items).toEqual([]);
  });

  it('keeps the unread-logs marker per caller: reading the run’s logs clears it for that caller only', async () => {
    const { jobId } = (await row(api, AUDIT.id, TENANT_A)).lastRun!;
    const unread = async (token: string) => (await row(api, AUDIT.id, TENANT_A, token)).unreadLogs;
    expect([await unread(api.tokens.admin), await unread(api.tokens.tenantAdminA), await unread(api.tokens.viewerA)]).toEqual([true, true, true]);
    expect((await row(api, NIGHTLY.id, TENANT_A)).unreadLogs).toBe(false);

    const logs = await api.call('GET', `/api/jobs/${jobId}/logs`);
    expect(logs.status).toBe(200);
    expect((await json<{ items: Array<{ message: string }> }>(logs)).items.map((line) => line.message)).toContain('something went wrong');
    expect([await unread(api.tokens.admin), await unread(api.tokens.tenantAdminA), await unread(api.tokens.viewerA)]).toEqual([false, true, true]);
    expect((await list(api, '', api.tokens.tenantAdminA)).items.find((r) => r.id === AUDIT.id)?.unreadLogs).toBe(true);

    await api.call('GET', `/api/jobs/${jobId}/logs?level=ERROR`, { token: api.tokens.viewerA });
    expect([await unread(api.tokens.admin), await unread(api.tokens.tenantAdminA), await unread(api.tokens.viewerA)]).toEqual([false, true, false]);
  });

  it('still answers the logs when the marker cannot be written', async () => {
    const { jobId } = (await row(api, AUDIT.id, TENANT_A)).lastRun!;
    const schedules = api.stack.engine.schedules;
    const original = schedules.markSeen;
    schedules.markSeen = async () => {
      throw new Error('throttled');
    };
    try {
      const response = await api.call('GET', `/api/jobs/${jobId}/logs`, { token: api.tokens.tenantAdminA });
      expect(response.status).toBe(200);
    } finally {
      schedules.markSeen = original;
    }
    expect(api.stack.events).toContainEqual(expect.objectContaining({ type: 'warning', jobId, message: `could not mark the logs of job ${jobId} as read` }));
    expect((await row(api, AUDIT.id, TENANT_A, api.tokens.tenantAdminA)).unreadLogs).toBe(true);
  });
});
