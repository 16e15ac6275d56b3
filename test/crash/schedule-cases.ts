import { expect } from 'vitest';
import { ADMIN_TENANT } from '@stint/core/auth/principal';
import { openCursors } from '@stint/core/query/cursor';
import { parseScheduleRunsQuery } from '@stint/core/schedules/schedule-input';
import { expectStepsRan, type CrashCase, type CrashHarness } from '../support/crash-harness.ts';
import { CRASH_SCHEDULE } from '../support/crash-scenarios.ts';
import { engineInternals } from '@stint/core/testing';

/**
 * The schedule crash points' cases (crash-points.test.ts runs them with the others): a slot's
 * firing (run, record, row) and a run's end (job, record). Expected states are written here.
 */
const CRASH_REF = { id: CRASH_SCHEDULE.id, tenant: null };
const ALL = { allTenants: true } as const;

/** CRASH_SCHEDULE's run records as stored, newest first: read past every reader that settles them. */
export async function runRecords(h: CrashHarness) {
  return (await engineInternals(h.stack.engine).schedules.history.page(ADMIN_TENANT, CRASH_SCHEDULE.id, { limit: 10 })).records;
}

const scheduleRow = (h: CrashHarness) => engineInternals(h.stack.engine).schedules.store.get(ADMIN_TENANT, CRASH_SCHEDULE.id);

/** A run of CRASH_SCHEDULE whose process died between its job's end and its record's. */
export async function runEndedUnrecorded(h: CrashHarness): Promise<string> {
  await h.scheduleDue();
  const id = await h.crashAt('schedule.runEnded', { kind: 'run' }, { jobType: 'SCHEDULED_STEPS' });
  expect((await h.job(id!))?.status).toBe('FINISHED');
  expect(await runRecords(h)).toMatchObject([{ jobId: id, status: 'running' }]);
  return id!;
}

/** The run shows as it ended, on the schedule's row and among its runs, whether its job is there or not. */
export async function expectRunShown(h: CrashHarness, id: string, jobRemoved: boolean) {
  const row = await h.stack.engine.schedules.get(CRASH_REF, ALL, 'tester');
  expect(row.lastRun).toMatchObject({ jobId: id, status: 'success', jobRemoved });
  const runs = await h.stack.engine.schedules.runs(CRASH_REF, ALL, parseScheduleRunsQuery({}), openCursors);
  expect(runs.items).toMatchObject([{ id, runStatus: 'success', jobRemoved }]);
}

export const SCHEDULE_CASES: CrashCase[] = [
  ...(['schedule.runSubmitted', 'schedule.runRecorded'] as const).map(
    (point): CrashCase => ({
      title: `a slot whose firing was killed at ${point} is finished by the next sweep: one run, recorded once, the row moved on`,
      point,
      schedules: true,
      async run(h) {
        await h.scheduleDue();
        const id = await h.crashAt(point, { kind: 'run' });
        expect(await runRecords(h)).toMatchObject(point === 'schedule.runRecorded' ? [{ jobId: id, status: 'running' }] : []);
        expect((await scheduleRow(h))!.nextRunAt).toBeLessThan(Date.now());
        await h.recover(async () => (await scheduleRow(h))!.nextRunAt! > Date.now() && (await runRecords(h))[0]?.status === 'success');
        expect((await runRecords(h)).map((record) => record.jobId)).toEqual([id]);
        expect((await scheduleRow(h))!.lastJobId).toBe(id);
        expectStepsRan(await h.steps(id!), ['s0', 's1']);
        await expectRunShown(h, id!, false);
      },
    }),
  ),
  {
    title: 'a run now killed between its job and its record: the run’s end records it and makes it the row’s last run',
    point: 'schedule.runSubmitted',
    schedules: true,
    async run(h) {
      const id = await h.crashAt('schedule.runSubmitted', { kind: 'runNow', schedule: CRASH_REF });
      expect(await runRecords(h)).toEqual([]);
      // The end writes the record, then points the row at it: wait for both.
      await h.recover(async () => (await runRecords(h))[0]?.status === 'success' && (await scheduleRow(h))?.lastJobId === id);
      expect((await runRecords(h)).map((record) => record.jobId)).toEqual([id]);
      await expectRunShown(h, id!, false);
    },
  },
  {
    title: 'a run killed between its job’s end and its record’s: deleting the job (Clear inactive) writes the end first',
    point: 'schedule.runEnded',
    schedules: true,
    async run(h) {
      const id = await runEndedUnrecorded(h);
      await h.stack.engine.apply('delete', id, ALL);
      expect(await h.job(id)).toBeUndefined();
      expect(await runRecords(h)).toMatchObject([{ jobId: id, status: 'success', hasErrors: false, endDate: expect.any(Number) }]);
      await expectRunShown(h, id, true);
    },
  },
  {
    title: 'a run killed between its job’s end and its record’s: a read of the schedule writes the end it finds on the job',
    point: 'schedule.runEnded',
    schedules: true,
    async run(h) {
      const id = await runEndedUnrecorded(h);
      await expectRunShown(h, id, false);
      expect(await runRecords(h)).toMatchObject([{ jobId: id, status: 'success' }]);
      // Gone without the engine, as DynamoDB's TTL removes an expired job: the record stands on its own.
      expect(await engineInternals(h.stack.engine).deps.jobs.deleteJobIf(id, '#status = :finished', { ':finished': 'FINISHED' })).toBe(true);
      await expectRunShown(h, id, true);
    },
  },
];
