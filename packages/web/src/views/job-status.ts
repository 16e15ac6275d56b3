import { ACTIVE_STATUSES, type Job, type JobStatus, summaryBucket } from '@stint/core';

/**
 * How a status looks. A job that ended with errors is FINISHED with hasErrors, which the
 * monitor calls Failed. Tones map to badge colours in monitor.css (and in format.js).
 */
export type StatusTone = 'finished' | 'failed' | 'running' | 'pending' | 'stopping' | 'canceled';

const TONES: Record<JobStatus, StatusTone> = {
  PENDING: 'pending',
  RUNNING: 'running',
  FINISHED: 'finished',
  STOPPING: 'stopping',
  STOPPED: 'stopping',
  CANCELING: 'canceled',
  CANCELED: 'canceled',
};

export function statusTone(job: Pick<Job, 'status' | 'hasErrors'>): StatusTone {
  return summaryBucket(job.status, job.hasErrors) === 'failed' ? 'failed' : TONES[job.status];
}

export function statusLabel(job: Pick<Job, 'status' | 'hasErrors'>): string {
  if (summaryBucket(job.status, job.hasErrors) === 'failed') return 'Failed';
  return job.status.charAt(0) + job.status.slice(1).toLowerCase();
}

/** The Waiting cell grows while core's waitingMs does: the job has neither started nor ended. */
export function waitingTicks(job: Pick<Job, 'startDate' | 'endDate'>): boolean {
  return job.startDate === null && job.endDate === null;
}

/** The list's pills: each is a preset of the status and errors filters. */
export const PILLS = [
  { id: 'all', label: 'All', params: {} },
  { id: 'active', label: 'Active', params: { status: ACTIVE_STATUSES.join(',') } },
  { id: 'completed', label: 'Completed', params: { status: 'FINISHED', hasErrors: 'false' } },
  { id: 'failed', label: 'Failed', params: { status: 'FINISHED', hasErrors: 'true' } },
] as const satisfies ReadonlyArray<{ id: string; label: string; params: Record<string, string> }>;
