import { describe, expect, it } from 'vitest';
import type { Job } from '@stint/core';
import type { Page, ScheduleRow } from '@stint/core/schedules/schedules';
import { AUDIT, NIGHTLY, PURGE, TENANT_A, TENANT_B, TEST_SCHEDULES, useApiStack, type ApiStack } from './api-stack.ts';
import { errorOf, json, keyOf, list, path, row } from './schedule-calls.ts';

/** Scheduled jobs over the api: who sees which rows, planning and reports. Runs: schedule-runs.test.ts. */

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
