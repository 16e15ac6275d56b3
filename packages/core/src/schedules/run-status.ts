import type { Job } from '../job.ts';

/**
 * How a schedule's run went, as its list shows it: `running` until the job ends (a stopped
 * run has not ended either), `success`, `warnings` (finished, but it logged errors or a child
 * failed), `failed` (its run threw, or it was canceled), and `unknown`: the run's job was
 * removed before its end was written to the schedule's run record (the process recording it
 * died, and the job was gone before anyone read the record; see run-record.ts).
 */
export const RUN_STATUSES = ['running', 'success', 'warnings', 'failed', 'unknown'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** What a job says of its run: every status but `unknown`, which only a record without its job can be. */
export type JobRunStatus = Exclude<RunStatus, 'unknown'>;

export function runStatusOf(job: Pick<Job, 'status' | 'hasErrors' | 'error'>): JobRunStatus {
  if (job.status === 'CANCELED') return 'failed';
  if (job.status !== 'FINISHED') return 'running';
  if (job.error !== null) return 'failed';
  return job.hasErrors ? 'warnings' : 'success';
}
