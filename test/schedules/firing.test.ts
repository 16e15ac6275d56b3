import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineJob, defineSchedule, JobRegistry } from '@stint/sdk';
import { Engine } from '@stint/core';
import { ADMIN_TENANT } from '@stint/core/auth/principal';
import { parseScheduleListQuery, parseScheduleRunsQuery } from '@stint/core/schedules/schedule-input';
import { openCursors } from '@stint/core/query/cursor';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { engineInternals } from '@stint/core/testing';

const QUICK = defineJob({ type: 'QUICK', run: async () => ({ ok: true }) });

const daily = defineSchedule({
  id: 'daily-report',
  description: 'Every day at 03:00 UTC, per tenant',
  jobType: 'QUICK',
  data: { kind: 'daily' },
  scope: 'tenant',
  automatic: { cron: '0 3 * * *', timeZone: 'UTC' },
});
const hourly = defineSchedule({
  id: 'hourly-sweep',
  description: 'Every hour at :15, once for the installation',
  jobType: 'QUICK',
  data: {},
  scope: 'installation',
  automatic: { cron: '15 * * * *', timeZone: 'UTC' },
});

const at = (iso: string) => Date.parse(iso);
const ALL = { allTenants: true } as const;

describe.each(DYNAMO_BACKENDS)('schedule firing on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  /** A second sweeper over the same table, as another Lambda instance would be. */
  let other: Engine;
  let now = at('2026-06-01T00:00:00Z');
  const clock = () => now;

  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [QUICK], schedules: [daily, hourly], clock });
    other = new Engine({ clients: stack.clients, config: stack.config, registry: new JobRegistry([QUICK]), schedules: [daily, hourly], clock });
    for (const tenant of ['acme', 'beta']) await engineInternals(stack.engine).deps.tenants.remember(tenant);
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const rows = async () => (await stack.engine.schedules.list(ALL, parseScheduleListQuery({}), 'tester', openCursors)).items;
  const runsOf = async (id: string, tenant: string | null) =>
    (await stack.engine.schedules.runs({ id, tenant }, ALL, parseScheduleRunsQuery({ size: '100' }), openCursors)).items;
  const state = (tenant: string, id: string) => engineInternals(stack.engine).schedules.store.get(tenant, id);

  it('plans a row per tenant for tenant schedules and one for the installation, without running anything', async () => {
    const report = await stack.engine.sweep();
    expect(report.schedulesStarted).toBe(0);
    expect(report.schedulesReconciled).toBe(3);
    expect((await rows()).map((row) => [row.id, row.tenant, row.planning.type, new Date(row.nextRunAt!).toISOString()])).toEqual([
      ['hourly-sweep', null, 'automatic', '2026-06-01T00:15:00.000Z'],
      ['daily-report', 'acme', 'automatic', '2026-06-01T03:00:00.000Z'],
      ['daily-report', 'beta', 'automatic', '2026-06-01T03:00:00.000Z'],
    ]);
    // A steady state plans nothing again.
    expect((await other.sweep()).schedulesReconciled).toBe(0);
  });

  it('starts each due slot exactly once with sweepers racing, and the missed hourly slots once', async () => {
    now = at('2026-06-01T03:00:20Z');
    const reports = await Promise.all([stack.engine.sweep(), other.sweep(), stack.engine.sweep(), other.sweep()]);

    expect(reports.reduce((sum, report) => sum + report.schedulesStarted, 0)).toBe(3);
    expect(await runsOf('daily-report', 'acme')).toHaveLength(1);
    expect(await runsOf('daily-report', 'beta')).toHaveLength(1);
    const [hourlyRun] = await runsOf('hourly-sweep', null);
    expect(await runsOf('hourly-sweep', null)).toHaveLength(1);
    // 00:15, 01:15 and 02:15 were missed: one run, for the latest of them.
    expect(new Date((await state(ADMIN_TENANT, 'hourly-sweep'))!.lastSlot!).toISOString()).toBe('2026-06-01T02:15:00.000Z');
    expect(hourlyRun).toMatchObject({ tenant: ADMIN_TENANT, scheduleId: 'hourly-sweep', runBy: { id: 'schedule:hourly-sweep' }, type: 'QUICK' });

    const acme = (await rows()).find((row) => row.tenant === 'acme')!;
    expect(acme.lastRun).toMatchObject({ status: 'running' });
    expect(new Date(acme.nextRunAt!).toISOString()).toBe('2026-06-02T03:00:00.000Z');
    // The same moment swept again starts nothing more.
    expect((await stack.engine.sweep()).schedulesStarted).toBe(0);
  });

  it('a run is an ordinary job: the worker finishes it and the row shows success', async () => {
    await stack.runUntil(async () => (await rows()).every((row) => row.lastRun?.status === 'success'));
    const [run] = await runsOf('daily-report', 'acme');
    expect(run).toMatchObject({ runStatus: 'success', tenant: 'acme', jobRemoved: false });
    expect(await stack.engine.get(run!.id, ALL)).toMatchObject({ status: 'FINISHED', data: { kind: 'daily' } });
  });

  it('after downtime of several days a missed slot runs once, not once per missed slot', async () => {
    now = at('2026-06-05T05:40:00Z');
    const report = await stack.engine.sweep();
    expect(report.schedulesStarted).toBe(3);
    expect(await runsOf('daily-report', 'acme')).toHaveLength(2);
    expect(new Date((await state('acme', 'daily-report'))!.lastSlot!).toISOString()).toBe('2026-06-05T03:00:00.000Z');
    expect(new Date((await state(ADMIN_TENANT, 'hourly-sweep'))!.lastSlot!).toISOString()).toBe('2026-06-05T05:15:00.000Z');
    expect(new Date((await state('acme', 'daily-report'))!.nextRunAt!).toISOString()).toBe('2026-06-06T03:00:00.000Z');
  });

  it('a sweeper that dies between starting the run and moving the row on does not start it twice', async () => {
    now = at('2026-06-06T03:00:05Z');
    const store = engineInternals(other).schedules.store;
    const crash = vi.spyOn(store, 'update').mockRejectedValue(new Error('process died'));
    const crashed = await other.sweep();
    crash.mockRestore();
    // Each run was submitted, then its row's write failed (two daily rows and the hourly one).
    expect(crashed.schedulesFailed).toBe(3);
    expect(await runsOf('daily-report', 'acme')).toHaveLength(3);
    // The retry finds the slot's run by its idempotency key and only moves the rows on.
    const retried = await stack.engine.sweep();
    expect(retried.schedulesStarted).toBe(0);
    expect(await runsOf('daily-report', 'acme')).toHaveLength(3);
    expect(await runsOf('daily-report', 'beta')).toHaveLength(3);
    expect(new Date((await state('beta', 'daily-report'))!.nextRunAt!).toISOString()).toBe('2026-06-07T03:00:00.000Z');
  });

  it('a disabled row never fires, but runs now; a scheduled planning fires at its own times', async () => {
    const ref = { id: 'daily-report', tenant: 'acme' };
    const disabled = await stack.engine.schedules.update(ref, ALL, { planning: { type: 'disabled' } });
    expect(disabled.nextRunAt).toBeNull();
    now = at('2026-06-07T03:00:10Z');
    expect((await stack.engine.sweep()).schedulesStarted).toBe(2); // beta's and the hourly one
    expect(await runsOf('daily-report', 'acme')).toHaveLength(3);
    expect(await runsOf('daily-report', 'beta')).toHaveLength(4);

    const [job] = await stack.engine.schedules.runNow(
      [ref],
      { tenant: 'acme' },
      {
        kind: 'caller',
        principal: { keyId: 'k1', name: 'Ada', role: 'tenant-admin', tenant: 'acme' },
      },
    );
    expect(job).toMatchObject({ scheduleId: 'daily-report', tenant: 'acme', runBy: { id: 'k1', name: 'Ada' } });
    expect((await rows()).find((row) => row.tenant === 'acme')!.lastRun!.jobId).toBe(job!.id);

    // 2026-06-07 is a Sunday; Monday and Thursday at 08:30 and 18:00 in Paris (CEST, +02).
    const scheduled = await stack.engine.schedules.update(ref, ALL, {
      planning: { type: 'scheduled', days: ['mon', 'thu'], times: ['08:30', '18:00'], timeZone: 'Europe/Paris' },
    });
    expect(new Date(scheduled.nextRunAt!).toISOString()).toBe('2026-06-08T06:30:00.000Z');
    now = at('2026-06-08T06:30:01Z');
    await stack.engine.sweep();
    expect(await runsOf('daily-report', 'acme')).toHaveLength(5);
    expect(new Date((await state('acme', 'daily-report'))!.nextRunAt!).toISOString()).toBe('2026-06-08T16:00:00.000Z');
  });

  it('a new tenant gets its rows at the next sweep', async () => {
    await engineInternals(stack.engine).deps.tenants.remember('gamma');
    expect((await stack.engine.sweep()).schedulesReconciled).toBe(1);
    expect((await rows()).filter((row) => row.id === 'daily-report').map((row) => row.tenant)).toEqual(['acme', 'beta', 'gamma']);
  });
});
