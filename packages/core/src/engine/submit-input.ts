import type { Submitter } from '../auth/job-access.ts';
import type { RunBy } from '../job.ts';

/** What a submission asks for: what the api, intake, schedules and job code pass to the engine's submit. */
export interface SubmitInput {
  type: string;
  tenant: string;
  label?: string | undefined;
  data?: Record<string, unknown> | undefined;
  runBy?: RunBy | null | undefined;
  lowPriority?: boolean | undefined;
  parentId?: string | undefined;
  idempotencyKey?: string | undefined;
  /** Links a root job to the schedule it is a run of. */
  scheduleId?: string | undefined;
  /** Who asks; checked against the type's access. See `auth/job-access.ts`. */
  submitter?: Submitter | undefined;
  /** Not to start before this time (ms since the epoch, or ISO 8601). */
  runAt?: number | string | undefined;
}
