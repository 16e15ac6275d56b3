import { isEnded, type Job, type RunBy } from '../job.ts';
import { toJob, type JobRecord } from '../job-record.ts';
import { runRecordKey } from '../store/table-keys.ts';
import type { UpdateSpec } from '../store/update-expression.ts';
import { runStatusOf, type JobRunStatus, type RunStatus } from './run-status.ts';

/**
 * A schedule's history is its own: one run record per run, written when the run starts and
 * again when its job ends, so the schedules pages still show how a run went after its job
 * was deleted, cleared or expired. Pure builders; the writes are in run-history.ts.
 */

/**
 * Run records a schedule keeps per tenant: its newest runs. The oldest are trimmed whenever
 * the schedule starts a run. A hundred covers the runs page's largest page and three months
 * of a nightly schedule; a count, not an age, so a rare schedule keeps its last runs however
 * old they are and a frequent one cannot grow its partition without bound.
 */
export const RUNS_KEPT = 100;

/** A run as its schedule's history stores it. */
export interface RunRecord {
  pk: string;
  sk: string;
  scheduleId: string;
  /** The run's tenant (ADMIN_TENANT for an installation-wide schedule), as its job's. */
  tenant: string;
  jobId: string;
  type: string;
  label: string;
  runBy: RunBy | null;
  /** When the run was started: its job's creation (the slot fired, or run now). */
  createDate: number;
  /** `running` until the job's end is recorded, then how it ended. */
  status: JobRunStatus;
  startDate?: number | null;
  endDate?: number;
  duration?: number;
  hasErrors?: boolean;
}

/** A run of a schedule as the api and the pages show it. */
export interface ScheduleRun {
  /** The run's job id; the job itself may be gone (`jobRemoved`). */
  id: string;
  scheduleId: string;
  tenant: string;
  type: string;
  label: string;
  runBy: RunBy | null;
  createDate: number;
  startDate: number | null;
  endDate: number | null;
  /** end − start; grows while the run is running. */
  duration: number;
  hasErrors: boolean;
  runStatus: RunStatus;
  /** The job was deleted, cleared or expired: what is shown is what the run record kept. */
  jobRemoved: boolean;
}

/** What a record is built from: a job (as returned by submit) or a job item. */
export type RunJob = Pick<Job, 'id' | 'type' | 'label' | 'tenant' | 'createDate'> & { runBy?: RunBy | null | undefined };

/** The record of a run that has just started. Pure. */
export function startedRecord(scheduleId: string, job: RunJob): RunRecord {
  return {
    ...runRecordKey(job.tenant, scheduleId, job.createDate, job.id),
    scheduleId,
    tenant: job.tenant,
    jobId: job.id,
    type: job.type,
    label: job.label,
    runBy: job.runBy ?? null,
    createDate: job.createDate,
    status: 'running',
  };
}

/**
 * The write that records an ended job's outcome on its run's record. Conditional on the
 * record not holding this end or a later one: a restarted run's second end replaces its
 * first, and an end recorded twice (the engine, then a read or a delete settling it) writes
 * nothing. With `create` false the record must exist, so settling a run whose record was
 * trimmed from the history does not bring it back. Pure.
 */
export function endedSpec(job: JobRecord, now: number): { key: { pk: string; sk: string }; spec: (create: boolean) => UpdateSpec } {
  const view = toJob(job, now);
  const endDate = view.endDate ?? now;
  const started = startedRecord(job.scheduleId!, view);
  return {
    key: { pk: started.pk, sk: started.sk },
    spec: (create) => ({
      set: {
        scheduleId: started.scheduleId,
        tenant: started.tenant,
        jobId: started.jobId,
        type: started.type,
        label: started.label,
        runBy: started.runBy,
        createDate: started.createDate,
        status: runStatusOf(view),
        startDate: view.startDate,
        endDate,
        duration: view.duration,
        hasErrors: view.hasErrors,
      },
      condition: `${create ? '' : 'attribute_exists(#pk) AND '}(attribute_not_exists(#endDate) OR #endDate < :end)`,
      values: { ':end': endDate },
    }),
  };
}

/**
 * How a run reads, from its record and its job when the job is still there. A job that has
 * not ended is read live (a run restarted after its end, too); an ended one from its record,
 * or from the job while the record does not hold that end yet (the process that ended it died
 * before writing it: `needsSettling`, and the reader writes it). A record that never got its end
 * and whose job is gone reads `unknown`. Pure.
 */
export function runView(record: RunRecord, job: JobRecord | undefined, now: number): ScheduleRun {
  const base = {
    id: record.jobId,
    scheduleId: record.scheduleId,
    tenant: record.tenant,
    type: record.type,
    label: record.label,
    runBy: record.runBy,
    createDate: record.createDate,
  };
  if (job && (!isEnded(job.status) || needsSettling(record, job))) {
    const live = toJob(job, now);
    const { startDate, endDate, duration, hasErrors } = live;
    return { ...base, startDate, endDate, duration, hasErrors, runStatus: runStatusOf(live), jobRemoved: false };
  }
  if (record.status === 'running') {
    return { ...base, startDate: null, endDate: null, duration: 0, hasErrors: false, runStatus: 'unknown', jobRemoved: true };
  }
  return {
    ...base,
    startDate: record.startDate ?? null,
    endDate: record.endDate ?? null,
    duration: record.duration ?? 0,
    hasErrors: record.hasErrors ?? false,
    runStatus: record.status,
    jobRemoved: job === undefined,
  };
}

/** The job ended but its record does not hold that end (or holds an earlier one, before a restart). */
export function needsSettling(record: RunRecord | undefined, job: JobRecord | undefined): job is JobRecord {
  if (job === undefined || !isEnded(job.status)) return false;
  return record === undefined || record.status === 'running' || (record.endDate ?? 0) < (job.endDate ?? 0);
}
