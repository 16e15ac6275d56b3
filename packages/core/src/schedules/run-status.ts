import type { Job } from '../job.ts';

/**
 * How a schedule's run went, as its list shows it: `running` until the job ends (a stopped
 * run has not ended either), `success`, `warnings` (finished, but it logged errors or a child
 * failed), `failed` (its run threw, or it was canceled).
 */
export const RUN_STATUSES = ['running', 'success', 'warnings', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export function runStatusOf(job: Pick<Job, 'status' | 'hasErrors' | 'error'>): RunStatus {
  if (job.status === 'CANCELED') return 'failed';
  if (job.status !== 'FINISHED') return 'running';
  if (job.error !== null) return 'failed';
  return job.hasErrors ? 'warnings' : 'success';
}
