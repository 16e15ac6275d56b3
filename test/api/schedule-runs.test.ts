import { describe, expect, it } from 'vitest';
import type { Job } from '@stint/core';
import { AUDIT, NIGHTLY, PURGE, TENANT_A, TENANT_B, TEST_SCHEDULES, useApiStack, type ApiStack } from './api-stack.ts';
import { errorOf, json, keyOf, list, path, row, runNow, runs, finished } from './schedule-calls.ts';

/** Scheduled jobs over the api: running now, the runs a schedule lists, unread logs. */

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
