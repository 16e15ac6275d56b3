import { ConflictError } from './errors.ts';
import type { JobStatus } from './job.ts';

export const OPERATIONS = ['stop', 'resume', 'force-stop', 'cancel', 'restart', 'retry', 'set-low-priority', 'remove-low-priority', 'delete'] as const;
export type Operation = (typeof OPERATIONS)[number];

/**
 * The lifecycle table of DESIGN.md: where each operation applies. Stop on a job that holds
 * no worker (pending, or parked waiting for children) completes at once; on a running job
 * it asks the worker to stop at its next step boundary.
 */
export const ALLOWED_FROM: Record<Operation, readonly JobStatus[]> = {
  stop: ['PENDING', 'RUNNING'],
  resume: ['STOPPED'],
  'force-stop': ['STOPPING'],
  cancel: ['STOPPED'],
  restart: ['FINISHED'],
  retry: ['FINISHED'],
  'set-low-priority': ['PENDING', 'RUNNING', 'STOPPED'],
  'remove-low-priority': ['PENDING', 'RUNNING', 'STOPPED'],
  delete: ['FINISHED', 'CANCELED'],
};

export function isAllowed(operation: Operation, status: JobStatus): boolean {
  return ALLOWED_FROM[operation].includes(status);
}

export function assertAllowed(operation: Operation, status: JobStatus, jobId: string): void {
  if (!isAllowed(operation, status)) {
    throw new ConflictError(`cannot ${operation} job ${jobId}: it is ${status}; ${operation} applies to ${ALLOWED_FROM[operation].join(', ')}`, {
      jobId,
      status,
      operation,
    });
  }
}
