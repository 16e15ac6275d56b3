export const JOB_STATUSES = ['PENDING', 'RUNNING', 'FINISHED', 'STOPPING', 'STOPPED', 'CANCELING', 'CANCELED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses a job can still leave on its own or by an operation. */
export const ACTIVE_STATUSES: readonly JobStatus[] = ['PENDING', 'RUNNING', 'STOPPING', 'STOPPED', 'CANCELING'];
export const ENDED_STATUSES: readonly JobStatus[] = ['FINISHED', 'CANCELED'];

export type Lane = 'normal' | 'low';

export interface EventWait {
  name: string;
  key: string;
  until: number;
}

/** A job waiting for a slot of its type's concurrency key: at most `limit` jobs with that key run at once. */
export interface ConcurrencyWait {
  key: string;
  limit: number;
}

export interface RunBy {
  id: string;
  name: string;
}

/** A job as the monitor and the API show it. Dates are ms since the epoch. */
export interface Job {
  id: string;
  type: string;
  label: string;
  status: JobStatus;
  tenant: string;
  system: boolean;
  createDate: number;
  startDate: number | null;
  endDate: number | null;
  /** Not to start before this time, when it was submitted to start later. */
  runAt: number | null;
  /** While the job sleeps (`ctx.sleep`): when it wakes. It holds no worker meanwhile. */
  sleepingUntil: number | null;
  /** While the job waits in `ctx.waitForEvent`: the event's name and key, and when the wait times out. */
  waitingForEvent: EventWait | null;
  /** While the job waits because its key's concurrency limit is reached: the key and the limit. */
  waitingForConcurrency: ConcurrencyWait | null;
  /** start − create (or − runAt, when later); end − create for a job that ended without starting; grows while it waits. */
  waiting: number;
  /** end − start; grows while running. */
  duration: number;
  hasErrors: boolean;
  lowPriority: boolean;
  runBy: RunBy | null;
  /** Who submitted the job when it was not `runBy` itself: an admin acting on someone's behalf. */
  submittedBy: RunBy | null;
  progress: number;
  parentId: string | null;
  rootId: string;
  data: Record<string, unknown>;
  results: Record<string, unknown> | null;
  childrenProgress: { finished: number; total: number };
  /** Key of a result file in the export bucket, when the job produced one. */
  resultFile: string | null;
  /** Last error message of a failed run, for the monitor's Error(s) panel. */
  error: string | null;
  /** The schedule this job is a run of (in the job's tenant), if any. */
  scheduleId: string | null;
  /** 1 for the first run; each retry of its failed work adds one (a restart starts again at 1). */
  attempt: number;
  version: number;
}

export function isEnded(status: JobStatus): boolean {
  return ENDED_STATUSES.includes(status);
}

/**
 * How long the job waited to start: start − create once it started; end − create when it ended
 * (stopped, canceled) without starting; now − create while it still waits. Resuming a job that
 * never started clears its endDate, so it waits on from its creation; a restart clears both dates.
 * A job submitted to start later waits from its `runAt`: the time before was asked for.
 */
export function waitingMs(job: Pick<Job, 'createDate' | 'startDate' | 'endDate'> & { runAt?: number | null }, now: number): number {
  return Math.max(0, (job.startDate ?? job.endDate ?? now) - waitsFrom(job));
}

/** When a job began to wait for a worker: its creation, or its `runAt` when that is later. */
export function waitsFrom(job: { createDate: number; runAt?: number | null | undefined }): number {
  return Math.max(job.createDate, job.runAt ?? 0);
}

export function durationMs(job: Pick<Job, 'startDate' | 'endDate'>, now: number): number {
  if (job.startDate === null) return 0;
  return Math.max(0, (job.endDate ?? now) - job.startDate);
}
