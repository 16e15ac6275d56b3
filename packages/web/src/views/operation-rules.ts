import type { Job } from '@stint/core';
import type { JobTypeCatalog } from '@stint/core/auth';

/** What the operation buttons need to know of a job beyond its status (operations.js `canApply`). */
export interface OperationRules {
  restartable: boolean;
  /** Its type may be retried and it is a root: a tree's failed work is retried from its root. */
  retryable: boolean;
}

/** Each type's rules, for the script that rebuilds rows (it applies the root rule itself). */
export function typeRules(jobTypes: JobTypeCatalog): Record<string, OperationRules> {
  return Object.fromEntries(
    jobTypes.names().map((type) => [type, { restartable: jobTypes.get(type)?.restartable ?? false, retryable: jobTypes.get(type)?.retryable ?? false }]),
  );
}

export function operationRules(jobTypes: JobTypeCatalog, job: Pick<Job, 'type' | 'parentId'>): OperationRules {
  const definition = jobTypes.get(job.type);
  return { restartable: definition?.restartable ?? false, retryable: (definition?.retryable ?? false) && job.parentId === null };
}
