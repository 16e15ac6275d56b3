import { describe, expect, it } from 'vitest';
import type { Job, JobStatus } from '@stint/core';
import { createApi } from '@stint/functions/api/api';
import { placeJob } from '../support/jobs.ts';
import { ADMIN_TOKEN, useApiStack, TENANT_A, TENANT_B, type ApiStack } from './api-stack.ts';
import { engineInternals } from '@stint/core/testing';

let api: ApiStack;
useApiStack((stack) => (api = stack));

const place = (status: JobStatus, tenant: string) => placeJob(engineInternals(api.stack.engine).deps.jobs, { type: 'QUICK', status, tenant });
const statusOf = async (id: string) => (await engineInternals(api.stack.engine).deps.jobs.get(id))?.status;
const finished = (job: Job) => async () => (await api.stack.engine.get(job.id, { allTenants: true })).status === 'FINISHED';

describe('POST /api/jobs/bulk by ids', () => {
  it('answers per id; one bad id never blocks the rest', async () => {
    const pending = await place('PENDING', TENANT_A);
    const done = await place('FINISHED', TENANT_A);
    const other = await place('PENDING', TENANT_B);
    const ids = [pending.id, done.id, other.id, '0000000000000000missing', 'not an id', pending.id];

    const response = await api.call('POST', '/api/jobs/bulk', { token: api.tokens.tenantAdminA, body: { op: 'stop', ids } });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      op: 'stop',
      results: {
        [pending.id]: { status: 'ok' },
        [done.id]: { status: 'error', code: 'conflict', message: `cannot stop job ${done.id}: it is FINISHED; stop applies to PENDING, RUNNING` },
        [other.id]: { status: 'error', code: 'notFound', message: `job ${other.id} not found` },
        '0000000000000000missing': { status: 'error', code: 'notFound', message: 'job 0000000000000000missing not found' },
        'not an id': { status: 'error', code: 'badRequest', message: 'not a job id' },
      },
      ok: 1,
      failed: 4,
    });
    expect([await statusOf(pending.id), await statusOf(other.id)]).toEqual(['STOPPED', 'PENDING']);
  });

  it.each([
    [{ op: 'stop', ids: ['a'], filter: { status: 'PENDING' } }, 'body', 'body must give either ids or filter; got both'],
    [{ op: 'stop' }, 'body', 'body must give either ids or filter; got neither'],
    [{ op: 'explode', ids: ['a'] }, 'op', undefined],
    [{ op: 'stop', ids: Array.from({ length: 501 }, (_, i) => `id${i}`) }, 'ids', undefined],
    [{ op: 'stop', filter: { status: 'DONE' } }, 'filter.status', undefined],
    [{ op: 'stop', filter: { colour: 'red' } }, 'filter.colour', undefined],
  ])('refuses %j with 400 naming %s', async (body, field, message) => {
    const response = await api.call('POST', '/api/jobs/bulk', { body });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'badRequest', field, ...(message ? { message } : {}) } });
  });

  it('is refused to viewers', async () => {
    const response = await api.call('POST', '/api/jobs/bulk', { token: api.tokens.viewerA, body: { op: 'stop', ids: ['x'] } });
    expect(response.status).toBe(403);
  });
});

describe('POST /api/jobs/bulk by filter', () => {
  it('runs a BULK_OPERATION job over every matching job and reports changes and failures', async () => {
    const tenant = 'bulk-co';
    const stopped = await Promise.all(Array.from({ length: 5 }, () => place('STOPPED', tenant)));
    const ended = await place('FINISHED', tenant);

    const accepted = await api.call('POST', `/api/jobs/bulk?tenant=${tenant}`, { body: { op: 'resume', filter: { status: 'STOPPED,FINISHED' } } });
    expect(accepted.status).toBe(202);
    const { job } = (await accepted.json()) as { job: Job };
    expect(job).toMatchObject({ type: 'BULK_OPERATION', tenant, system: true, label: 'Bulk resume' });

    await api.stack.runUntil(finished(job));
    const done = await api.stack.engine.get(job.id, { tenant });
    expect(done.results).toEqual({
      operation: 'resume',
      matched: 6,
      changed: 5,
      failed: 1,
      failures: [{ id: ended.id, code: 'conflict', message: `cannot resume job ${ended.id}: it is FINISHED; resume applies to STOPPED` }],
    });
    for (const s of stopped) expect(await statusOf(s.id)).not.toBe('STOPPED');
  });

  it('retries every failed job of a type, and only those', async () => {
    const tenant = 'retry-co';
    const failed = await Promise.all(
      Array.from({ length: 3 }, () =>
        placeJob(engineInternals(api.stack.engine).deps.jobs, { type: 'QUICK', status: 'FINISHED', tenant, failed: 'the step threw' }),
      ),
    );
    const fine = await place('FINISHED', tenant);
    const otherType = await placeJob(engineInternals(api.stack.engine).deps.jobs, { type: 'FAILING', status: 'FINISHED', tenant, failed: 'the step threw' });

    const accepted = await api.call('POST', `/api/jobs/bulk?tenant=${tenant}`, {
      body: { op: 'retry', filter: { status: 'FINISHED', hasErrors: true, type: 'QUICK' } },
    });
    expect(accepted.status).toBe(202);
    const { job } = (await accepted.json()) as { job: Job };
    await api.stack.runUntil(finished(job));

    expect((await api.stack.engine.get(job.id, { tenant })).results).toEqual({ operation: 'retry', matched: 3, changed: 3, failed: 0, failures: [] });
    await api.stack.runUntil(async () => (await Promise.all(failed.map((f) => statusOf(f.id)))).every((status) => status === 'FINISHED'));
    for (const f of failed) expect(await api.stack.engine.get(f.id, { tenant })).toMatchObject({ status: 'FINISHED', hasErrors: false, attempt: 2 });
    expect(await engineInternals(api.stack.engine).deps.jobs.get(fine.id)).toEqual(fine);
    expect(await engineInternals(api.stack.engine).deps.jobs.get(otherType.id)).toEqual(otherType);
  });
});

describe('removal', () => {
  it('clear-inactive deletes the ended jobs of the caller’s tenant only', async () => {
    const mine = await Promise.all([place('FINISHED', TENANT_A), place('CANCELED', TENANT_A)]);
    const active = await place('RUNNING', TENANT_A);
    const theirs = await place('FINISHED', TENANT_B);

    const response = await api.call('POST', '/api/jobs/clear-inactive', { token: api.tokens.tenantAdminA });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { deleted: number }).deleted).toBeGreaterThanOrEqual(2);
    for (const job of mine) expect(await statusOf(job.id)).toBeUndefined();
    expect([await statusOf(active.id), await statusOf(theirs.id)]).toEqual(['RUNNING', 'FINISHED']);
  });

  it('clear-inactive runs a CLEAR_INACTIVE job when there are more than it deletes at once', async () => {
    const tenant = 'clear-co';
    const app = createApi({
      engine: api.stack.engine,
      clients: api.stack.clients,
      config: api.stack.config,
      auth: { adminToken: ADMIN_TOKEN },
      limits: { clearInlineJobs: 2 },
    });
    const ended = await Promise.all(Array.from({ length: 5 }, (_, i) => place(i % 2 ? 'CANCELED' : 'FINISHED', tenant)));
    const active = await place('STOPPED', tenant);

    const response = await app.request(`/api/jobs/clear-inactive?tenant=${tenant}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

    expect(response.status).toBe(202);
    const { job } = (await response.json()) as { job: Job };
    expect(job).toMatchObject({ type: 'CLEAR_INACTIVE', tenant });
    await api.stack.runUntil(finished(job));
    expect((await api.stack.engine.get(job.id, { tenant })).results).toEqual({ deleted: 5, failed: 0, failures: [] });
    for (const e of ended) expect(await statusOf(e.id)).toBeUndefined();
    expect(await statusOf(active.id)).toBe('STOPPED');
  });

  it('clear-inactive is refused to viewers', async () => {
    expect((await api.call('POST', '/api/jobs/clear-inactive', { token: api.tokens.viewerA })).status).toBe(403);
  });
});
