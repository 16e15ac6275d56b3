import { defineJob, type JobDefinition } from '@stint/sdk';
import { applyToMatching } from './apply-to-matching.ts';
import type { SystemJobEngine } from './system-job-engine.ts';

export const CLEAR_INACTIVE = 'CLEAR_INACTIVE';

/** Inactive = ended: FINISHED (completed or failed) and CANCELED, user and system jobs alike. */
export const INACTIVE_FILTER: Readonly<Record<string, string>> = { status: 'FINISHED,CANCELED', system: 'true' };

export interface ClearInactiveResults {
  deleted: number;
  failed: number;
  failures: Array<{ id: string; code: string; message: string }>;
}

/** `POST /api/jobs/clear-inactive` when there are too many to delete within one request. */
export function clearInactiveJob(engine: SystemJobEngine): JobDefinition<Record<string, never>, ClearInactiveResults> {
  return defineJob<Record<string, never>, ClearInactiveResults>({
    type: CLEAR_INACTIVE,
    system: true,
    label: () => 'Clear inactive jobs',
    async run(ctx) {
      const outcome = await applyToMatching(ctx, engine, 'delete', { ...INACTIVE_FILTER });
      return { deleted: outcome.changed, failed: outcome.failed, failures: outcome.failures };
    },
  });
}
