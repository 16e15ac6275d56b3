import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { Job as CoreJob } from '@stint/core';
import type { Planning as CorePlanning } from '@stint/core/schedules/planning';
import type { RunStatus as CoreRunStatus } from '@stint/core/schedules/run-status';
import type { SchedulePatch as CoreSchedulePatch } from '@stint/core/schedules/schedule-input';
import type { ScheduleRow as CoreScheduleRow, ScheduleRun as CoreScheduleRun } from '@stint/core/schedules/schedules';
import { createApi } from '@stint/functions/api/api';
import {
  createStintClient,
  StintClientError,
  TimeoutError,
  type Job,
  type Planning,
  type RunStatus,
  type SchedulePatch,
  type ScheduleRow,
  type ScheduleRun,
  type StintClient,
} from '../../packages/client/src/index.ts';
import { placeJob } from '../support/jobs.ts';
import { startEmulators, type Emulators } from '../support/stack.ts';
import { ADMIN_TOKEN, AUDIT, createApiStack, NIGHTLY, PURGE, TENANT_A, TENANT_B, TEST_SCHEDULES, type ApiStack } from './api-stack.ts';
import { engineInternals } from '@stint/core/testing';

/** The typed client over a real HTTP server, against the local stack. */
let emulators: Emulators;
let api: ApiStack;
let server: ServerType;
let baseUrl: string;
let tenantAdmin: StintClient;
let admin: StintClient;

beforeAll(async () => {
  emulators = await startEmulators();
  api = await createApiStack(emulators, { schedules: TEST_SCHEDULES });
  // Short long polls so the client's waiting loop runs several rounds within a test.
  const app = createApi({
    engine: api.stack.engine,
    clients: api.stack.clients,
    config: api.stack.config,
    auth: { adminToken: ADMIN_TOKEN },
    limits: { longPollMs: 300 },
  });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tenantAdmin = createStintClient({ baseUrl, token: api.tokens.tenantAdminA });
  admin = createStintClient({ baseUrl: `${baseUrl}/`, token: ADMIN_TOKEN });
  api.stack.poller.start();
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await api?.stack.stop();
  await emulators?.stop();
});

const place = (status: CoreJob['status'], tenant = TENANT_A) => placeJob(engineInternals(api.stack.engine).deps.jobs, { type: 'QUICK', status, tenant });

it('mirrors the server’s job and schedule shapes', () => {
  expectTypeOf<Job>().toEqualTypeOf<CoreJob>();
  expectTypeOf<ScheduleRow>().toEqualTypeOf<CoreScheduleRow>();
  expectTypeOf<ScheduleRun>().toEqualTypeOf<CoreScheduleRun>();
  expectTypeOf<Planning>().toEqualTypeOf<CorePlanning>();
  expectTypeOf<RunStatus>().toEqualTypeOf<CoreRunStatus>();
  expectTypeOf<SchedulePatch>().toEqualTypeOf<CoreSchedulePatch>();
});

describe('submit, wait, find by id', () => {
  it('submits a job and waits for it to finish', async () => {
    const job = await tenantAdmin.submit({ type: 'QUICK', data: { n: 21 } });
    expect(job).toMatchObject({ tenant: TENANT_A, status: 'PENDING' });
    const done = await tenantAdmin.waitForJob(job.id, ['FINISHED', 'CANCELED'], 20_000);
    expect(done).toMatchObject({ id: job.id, status: 'FINISHED', results: { n: 42 } });
    expect(await tenantAdmin.findById(job.id)).toMatchObject({ status: 'FINISHED' });
  });

  it('findById answers null for a job it cannot see and throws badRequest for a bad id', async () => {
    const elsewhere = await place('RUNNING', 'tenant-b');
    expect(await tenantAdmin.findById(elsewhere.id)).toBeNull();
    await expect(tenantAdmin.findById('bad id')).rejects.toMatchObject({ code: 'badRequest', status: 400, field: 'id' });
  });

  it('waitForJob loops over long polls and throws TimeoutError with code `timeout`', async () => {
    const pending = await place('PENDING');
    const started = Date.now();
    const error = await tenantAdmin.waitForJob(pending.id, 'FINISHED', 1_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'timeout', status: 408 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('find and logs', () => {
  it('yields every match without _size, and stops after _size in all with it (sys.jobs.find)', async () => {
    const tenant = 'client-find';
    const ids = (await Promise.all(Array.from({ length: 6 }, () => place('FINISHED', tenant)))).map((j) => j.id);
    const all: string[] = [];
    for await (const job of admin.find({ tenant, status: 'FINISHED' })) all.push(job.id);
    expect([...all].sort()).toEqual([...ids].sort());
    const capped: string[] = [];
    for await (const job of admin.find({ tenant, status: 'FINISHED', _size: 3 })) capped.push(job.id);
    // The seeds' sample: the last 3 finished jobs, newest first.
    expect(capped).toEqual(all.slice(0, 3));
  });

  it('adds and reads log lines; an error line flags the job', async () => {
    const job = await place('RUNNING');
    await tenantAdmin.logInfo(job.id, 'first');
    await tenantAdmin.logError(job.id, 'second');
    await tenantAdmin.logInfo(job.id, 'third');
    const lines: string[] = [];
    for await (const line of tenantAdmin.logs(job.id)) lines.push(`${line.level} ${line.message}`);
    expect(lines).toEqual(['INFO third', 'ERROR second', 'INFO first']);
    const capped: string[] = [];
    for await (const line of tenantAdmin.logs(job.id, { _size: 2 })) capped.push(line.message);
    expect(capped).toEqual(['third', 'second']);
    expect((await tenantAdmin.findById(job.id))?.hasErrors).toBe(true);
  });

  it('reads today in the zone it names', async () => {
    const job = await place('RUNNING');
    await tenantAdmin.logInfo(job.id, 'now');
    const today: string[] = [];
    for await (const line of tenantAdmin.logs(job.id, { period: 'today', timeZone: 'Etc/GMT+12' })) today.push(line.message);
    expect(today).toEqual(['now']);
    const wrong = await (async () => {
      for await (const line of tenantAdmin.logs(job.id, { period: 'today', timeZone: 'Nowhere/Town' })) void line;
    })().catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'badRequest', status: 400, field: 'timeZone' });
  });
});

describe('operations', () => {
  it('stops, resumes, re-prioritises, force-stops, cancels, restarts, retries and deletes', async () => {
    const job = await place('PENDING');
    expect((await tenantAdmin.stop(job.id)).status).toBe('STOPPED');
    expect((await tenantAdmin.setLowPriority(job.id)).lowPriority).toBe(true);
    expect((await tenantAdmin.removeLowPriority(job.id)).lowPriority).toBe(false);
    expect((await tenantAdmin.cancel(job.id)).status).toBe('CANCELED');
    await tenantAdmin.delete(job.id);
    expect(await tenantAdmin.findById(job.id)).toBeNull();

    const stopping = await placeJob(engineInternals(api.stack.engine).deps.jobs, { type: 'QUICK', status: 'STOPPING', tenant: TENANT_A, leased: true });
    expect((await tenantAdmin.forceStop(stopping.id)).status).toBe('STOPPED');
    const resumed = await tenantAdmin.resume(stopping.id);
    expect(resumed.status).toBe('PENDING');

    const finished = await place('FINISHED');
    expect((await tenantAdmin.restart(finished.id)).status).toBe('PENDING');

    const failed = await placeJob(engineInternals(api.stack.engine).deps.jobs, {
      type: 'QUICK',
      status: 'FINISHED',
      tenant: TENANT_A,
      failed: 'the step threw',
    });
    expect(await tenantAdmin.retry(failed.id)).toMatchObject({ status: 'PENDING', attempt: 2 });
  });

  it('carries the server’s error code, status and message', async () => {
    const job = await place('FINISHED');
    const error = await tenantAdmin.resume(job.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StintClientError);
    expect(error).toMatchObject({ code: 'conflict', status: 409, message: `cannot resume job ${job.id}: it is FINISHED; resume applies to STOPPED` });
    await expect(createStintClient({ baseUrl, token: 'nope' }).summary()).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
  });

  it('applies bulk operations by ids and by filter', async () => {
    const a = await place('PENDING');
    const b = await place('FINISHED');
    const byIds = await tenantAdmin.bulk('stop', [a.id, b.id]);
    expect(byIds.results[a.id]).toEqual({ status: 'ok' });
    expect(byIds.results[b.id]).toMatchObject({ status: 'error', code: 'conflict' });

    const tenant = 'client-bulk';
    const stopped = await place('STOPPED', tenant);
    const { job } = await admin.bulk('cancel', { filter: { tenant, status: 'STOPPED' } });
    expect(job.type).toBe('BULK_OPERATION');
    const done = await admin.waitForJob(job.id, 'FINISHED', 20_000);
    expect(done.results).toMatchObject({ matched: 1, changed: 1 });
    expect((await admin.findById(stopped.id))?.status).toBe('CANCELED');
  });
});

describe('summary and stats', () => {
  it('reads the count cards and statistics', async () => {
    const tenant = 'client-stats';
    const job = await admin.submit({ type: 'QUICK', tenant });
    await admin.waitForJob(job.id, 'FINISHED', 20_000);
    expect(await admin.summary({ tenant })).toEqual({ total: 1, active: 0, completed: 1, failed: 0, canceled: 0 });
    const stats = await admin.stats({ tenant, interval: 'hour' });
    expect(stats.totals.created).toBe(1);
    expect(stats.points.length).toBeGreaterThan(0);
  });
});

describe('schedules', () => {
  it('lists, plans, runs now and reads the latest executions', async () => {
    const rows: ScheduleRow[] = [];
    for await (const row of tenantAdmin.schedules.list({ size: 1 })) rows.push(row);
    expect(rows.map((row) => [row.id, row.tenant])).toEqual([
      [AUDIT.id, TENANT_A],
      [NIGHTLY.id, TENANT_A],
    ]);

    const disabled = await tenantAdmin.schedules.update(NIGHTLY.id, { planning: { type: 'disabled' } });
    expect(disabled).toMatchObject({ tenant: TENANT_A, planning: { type: 'disabled' }, nextRunAt: null });
    expect(await tenantAdmin.schedules.get(disabled)).toEqual(disabled);

    const job = await tenantAdmin.schedules.runNow(NIGHTLY.id);
    expect(job).toMatchObject({ tenant: TENANT_A, scheduleId: NIGHTLY.id });
    await tenantAdmin.waitForJob(job.id, 'FINISHED', 20_000);
    const runs: ScheduleRun[] = [];
    for await (const run of tenantAdmin.schedules.runs(NIGHTLY.id, { status: 'success' })) runs.push(run);
    expect(runs.map((run) => [run.id, run.runStatus])).toEqual([[job.id, 'success']]);
  });

  it('runs several at once for an admin, who names each per-tenant row’s tenant', async () => {
    const jobs = await admin.schedules.runMany([{ id: NIGHTLY.id, tenant: TENANT_B }, PURGE.id]);
    expect(jobs.map((job) => [job.scheduleId, job.tenant])).toEqual([
      [NIGHTLY.id, TENANT_B],
      [PURGE.id, '_admin'],
    ]);
    await expect(admin.schedules.get(NIGHTLY.id)).rejects.toMatchObject({ code: 'badRequest', status: 400, field: 'tenant' });
    await expect(tenantAdmin.schedules.runNow({ id: NIGHTLY.id, tenant: TENANT_B })).rejects.toMatchObject({ code: 'notFound', status: 404 });
  });
});
