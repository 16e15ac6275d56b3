import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineJob, defineSchedule, NonRetriableError } from '@stint/sdk';
import { ADMIN_TENANT } from '@stint/core/auth/principal';
import type { Page, ScheduleRow, ScheduleRun } from '@stint/core/schedules/schedules';
import type { RunRecord } from '@stint/core/schedules/run-record';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { startEmulators, type Emulators } from '../support/stack.ts';
import { createApiStack, TENANT_A, TENANT_B, type ApiStack } from '../api/api-stack.ts';
import { engineInternals } from '@stint/core/testing';

/**
 * A schedule's history is its own: how its runs went survives their jobs being deleted,
 * cleared or expired (issue 12). Rows and Latest executions are read through the api.
 */

type Outcome = 'success' | 'warnings' | 'failed';
/** How the next VARIES run ends; runs are started one at a time, so each reads its own. */
let outcome: Outcome = 'success';
const VARIES = defineJob({
  type: 'VARIES',
  restartable: true,
  async run(ctx) {
    const planned = await ctx.step('plan', () => outcome);
    if (planned === 'warnings') ctx.log.error('row 3: the amount is missing');
    if (planned === 'failed') throw new NonRetriableError('the ledger is gone');
  },
});
const QUICK = defineJob({ type: 'QUICK', run: async () => ({}) });

const BOOKS = defineSchedule({
  id: 'nightly-books',
  description: 'Closes the books every night',
  jobType: 'VARIES',
  data: {},
  scope: 'tenant',
  automatic: { cron: '0 2 * * *', timeZone: 'UTC' },
});
const FREQUENT = defineSchedule({
  id: 'every-minute',
  description: 'Runs every minute, for the installation',
  jobType: 'QUICK',
  data: {},
  scope: 'installation',
  automatic: { cron: '* * * * *', timeZone: 'UTC' },
});

/** Lower than a deployment's RUNS_KEPT (100), so the test starts a few runs rather than a hundred. */
const KEPT = 6;
const FREQUENT_REF = { id: FREQUENT.id, tenant: null };
const ALL = { allTenants: true } as const;
const at = (iso: string) => Date.parse(iso);
const json = async <T>(response: Response) => (await response.json()) as T;

describe.each(DYNAMO_BACKENDS)('schedule history on %s', (backend) => {
  let emulators: Emulators;
  let api: ApiStack;
  let now = at('2026-03-01T00:00:00Z');

  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    api = await createApiStack(emulators, { definitions: [VARIES, QUICK], schedules: [BOOKS, FREQUENT], clock: () => now, runsKept: KEPT });
    await api.stack.engine.sweep();
    // The retention test turns it on; until then it would start a run at every sweep.
    await api.stack.engine.schedules.update(FREQUENT_REF, ALL, { planning: { type: 'disabled' } });
  });
  afterAll(async () => {
    await api?.stack.stop();
    await emulators?.stop();
  });

  const history = () => engineInternals(api.stack.engine).schedules.history;
  /** The stored records, newest first, read past every reader that could settle them. */
  const records = async (tenant: string, id: string): Promise<RunRecord[]> => (await history().page(tenant, id, { limit: 500 })).records;
  const get = async <T>(path: string, token = api.tokens.admin) => {
    const response = await api.call('GET', path, { token });
    expect(response.status, path).toBe(200);
    return json<T>(response);
  };
  const row = (tenant: string) => get<ScheduleRow>(`/api/schedules/${BOOKS.id}?tenant=${tenant}`);
  const runs = (tenant: string, query = '') => get<Page<ScheduleRun>>(`/api/schedules/${BOOKS.id}/runs?tenant=${tenant}${query}`);

  it('records each run when it starts and its outcome when its job ends, before anything reads it', async () => {
    const expected: Array<[Outcome, boolean]> = [
      ['success', false],
      ['warnings', true],
      ['failed', true],
    ];
    for (const [day, [planned, hasErrors]] of expected.entries()) {
      outcome = planned;
      now = at(`2026-03-0${day + 1}T02:00:30Z`);
      expect((await api.stack.engine.sweep()).schedulesStarted).toBe(2);
      const [started] = await records(TENANT_A, BOOKS.id);
      expect(started).toMatchObject({ createDate: now, type: 'VARIES', runBy: { id: `schedule:${BOOKS.id}` } });
      // Only the job's end writes this: no page is read, and nothing else settles records.
      await api.stack.runUntil(async () => (await records(TENANT_A, BOOKS.id))[0]!.status !== 'running');
      expect((await records(TENANT_A, BOOKS.id))[0]).toMatchObject({
        jobId: started!.jobId,
        status: planned,
        hasErrors,
        endDate: now,
        startDate: now,
        duration: 0,
      });
      await api.stack.runUntil(async () => (await records(TENANT_B, BOOKS.id))[0]!.status !== 'running');
    }
    expect((await records(TENANT_A, BOOKS.id)).map((record) => record.status)).toEqual(['failed', 'warnings', 'success']);
  });

  it('after Clear inactive removed the runs’ jobs, the row keeps its last run and Latest executions its three runs', async () => {
    const before = await runs(TENANT_A);
    expect(before.items.map((run) => run.jobRemoved)).toEqual([false, false, false]);
    const cleared = await api.call('POST', `/api/jobs/clear-inactive?tenant=${TENANT_A}`);
    expect(cleared.status).toBe(200);
    expect(await json(cleared)).toEqual({ deleted: 3 });
    for (const run of before.items) expect((await api.call('GET', `/api/jobs/${run.id}`)).status).toBe(404);

    const after = await runs(TENANT_A);
    expect(after.items.map((run) => [run.id, run.runStatus, run.hasErrors, run.jobRemoved])).toEqual([
      [before.items[0]!.id, 'failed', true, true],
      [before.items[1]!.id, 'warnings', true, true],
      [before.items[2]!.id, 'success', false, true],
    ]);
    expect(after.items.map((run) => [run.createDate, run.endDate])).toEqual(
      ['2026-03-03', '2026-03-02', '2026-03-01'].map((day) => [at(`${day}T02:00:30Z`), at(`${day}T02:00:30Z`)]),
    );
    expect((await runs(TENANT_A, '&status=warnings,success')).items.map((run) => run.runStatus)).toEqual(['warnings', 'success']);
    expect((await row(TENANT_A)).lastRun).toEqual({
      jobId: before.items[0]!.id,
      status: 'failed',
      date: at('2026-03-03T02:00:30Z'),
      endDate: at('2026-03-03T02:00:30Z'),
      jobRemoved: true,
    });
    // The list's status filter reads the record too.
    const failedRows = await get<Page<ScheduleRow>>(`/api/schedules?tenant=${TENANT_A}&status=failed`);
    expect(failedRows.items.map((r) => r.id)).toEqual([BOOKS.id]);
    // Another tenant's runs kept their jobs; its history is its own.
    expect((await runs(TENANT_B)).items.map((run) => [run.runStatus, run.jobRemoved])).toEqual([
      ['failed', false],
      ['warnings', false],
      ['success', false],
    ]);
    expect((await api.call('GET', `/api/schedules/${BOOKS.id}/runs?tenant=${TENANT_A}`, { token: api.tokens.tenantAdminB })).status).toBe(404);
  });

  it('pages runs with a cursor sealed to the tenant’s schedule and the filter', async () => {
    const first = await runs(TENANT_B, '&size=1');
    expect(first.nextCursor).not.toBeNull();
    const cursor = `&cursor=${encodeURIComponent(first.nextCursor!)}`;
    expect((await runs(TENANT_B, `&size=2${cursor}`)).items.map((run) => run.runStatus)).toEqual(['warnings', 'success']);
    for (const elsewhere of [
      `/api/schedules/${BOOKS.id}/runs?tenant=${TENANT_A}${cursor}`,
      `/api/schedules/${BOOKS.id}/runs?tenant=${TENANT_B}&status=success${cursor}`,
    ]) {
      const refused = await api.call('GET', elsewhere);
      expect(refused.status, elsewhere).toBe(400);
      expect(((await refused.json()) as { error: { field: string } }).error.field).toBe('cursor');
    }
  });

  it('deleting one run’s job leaves its record as its end wrote it', async () => {
    const [newest] = (await runs(TENANT_B)).items;
    expect((await api.call('DELETE', `/api/jobs/${newest!.id}`)).status).toBe(204);
    expect((await runs(TENANT_B)).items[0]).toMatchObject({ id: newest!.id, runStatus: 'failed', jobRemoved: true });
    expect((await row(TENANT_B)).lastRun).toMatchObject({ jobId: newest!.id, status: 'failed', jobRemoved: true });
  });

  it('a restarted run reads running while it runs again, and its record takes the second end', async () => {
    const [, warned] = (await runs(TENANT_B)).items;
    // No worker until the run has been read back running: a quick job would end before.
    await api.stack.stop();
    outcome = 'success';
    now = at('2026-03-03T09:00:00Z');
    expect((await api.call('POST', `/api/jobs/${warned!.id}/restart`)).status).toBe(200);
    expect((await runs(TENANT_B)).items[1]).toMatchObject({ id: warned!.id, runStatus: 'running', endDate: null });
    await api.stack.runUntil(async () => (await records(TENANT_B, BOOKS.id))[1]!.status === 'success');
    expect((await records(TENANT_B, BOOKS.id))[1]).toMatchObject({ jobId: warned!.id, endDate: now, hasErrors: false });
  });

  it('a run whose job expired before its end was recorded reads unknown, never “Never run”, until the stream hands the job over', async () => {
    outcome = 'success';
    now = at('2026-03-04T02:00:30Z');
    // The end's record write fails (as a process dying there would leave it)...
    const lost = vi.spyOn(history(), 'ended').mockRejectedValue(new Error('process died'));
    const jobs = engineInternals(api.stack.engine).deps.jobs;
    let expired: Record<string, unknown>;
    try {
      expect((await api.stack.engine.sweep()).schedulesStarted).toBe(2);
      const [started] = await records(TENANT_A, BOOKS.id);
      await api.stack.runUntil(async () => (await jobs.get(started!.jobId))?.status === 'FINISHED');
      expired = (await jobs.get(started!.jobId)) as unknown as Record<string, unknown>;
      // ...and the job goes the way DynamoDB's TTL removes it: without the engine.
      expect(await jobs.deleteJobIf(started!.jobId, '#status = :finished', { ':finished': 'FINISHED' })).toBe(true);
      expect((await runs(TENANT_A)).items[0]).toMatchObject({ id: started!.jobId, runStatus: 'unknown', jobRemoved: true, endDate: null });
      expect((await row(TENANT_A)).lastRun).toMatchObject({ jobId: started!.jobId, status: 'unknown', jobRemoved: true });
      expect((await runs(TENANT_A, '&status=unknown')).items.map((run) => run.id)).toEqual([started!.jobId]);
    } finally {
      lost.mockRestore();
    }

    // The table's stream hands the removed job to the engine (expiry.ts), which settles its run from the job as it was.
    expect(await api.stack.engine.expired([expired])).toEqual({ cleaned: 1, ignored: 0 });
    expect((await runs(TENANT_A)).items[0]).toMatchObject({ id: expired.id, runStatus: 'success', jobRemoved: true, endDate: expired.endDate });
    expect((await runs(TENANT_A, '&status=unknown')).items).toEqual([]);
  });

  it('keeps a schedule’s newest runs: the oldest go as new ones start', async () => {
    // No run ends meanwhile: an old run ending after its record was trimmed writes it again, until the next start trims it.
    await api.stack.stop();
    now = at('2026-03-04T23:59:30Z');
    await api.stack.engine.schedules.update(FREQUENT_REF, ALL, { planning: { type: 'automatic' } });
    const fired: string[] = [];
    for (let minute = 0; minute < KEPT + 2; minute++) {
      now = at('2026-03-05T00:00:00Z') + minute * 60_000 + 5_000;
      expect((await api.stack.engine.sweep()).schedulesStarted).toBe(1);
      fired.push((await history().page(ADMIN_TENANT, FREQUENT.id, { limit: 1 })).records[0]!.jobId);
    }
    const kept = await records(ADMIN_TENANT, FREQUENT.id);
    expect(kept.map((record) => record.jobId)).toEqual(fired.slice(2).reverse());
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<ScheduleRun> = await get(`/api/schedules/${FREQUENT.id}/runs?size=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      listed.push(...page.items.map((run) => run.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(listed).toEqual(fired.slice(2).reverse());
  });
});
