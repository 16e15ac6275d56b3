import type { Job } from '@stint/core';
import type { JobRegistry } from '@stint/sdk';

/** What the operation buttons need to know of a job beyond its status (operations.js `canApply`). */
export interface OperationRules {
  restartable: boolean;
  /** Its type may be retried and it is a root: a tree's failed work is retried from its root. */
  retryable: boolean;
}

/** Each type's rules, for the script that rebuilds rows (it applies the root rule itself). */
export function typeRules(registry: JobRegistry): Record<string, OperationRules> {
  return Object.fromEntries(
    registry.types().map((type) => [type, { restartable: registry.get(type)?.restartable ?? false, retryable: registry.get(type)?.retryable ?? false }]),
  );
}

export function operationRules(registry: JobRegistry, job: Pick<Job, 'type' | 'parentId'>): OperationRules {
  const definition = registry.get(job.type);
  return { restartable: definition?.restartable ?? false, retryable: (definition?.retryable ?? false) && job.parentId === null };
}
