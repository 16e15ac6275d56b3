import type { TenantDirectory } from '../auth/tenant-directory.ts';
import type { EngineEvent } from '../engine/deps.ts';
import type { SubmitInput } from '../engine/submit-input.ts';
import type { Job } from '../job.ts';
import type { JobStore } from '../store/job-store.ts';
import type { RunHistory } from './run-history.ts';
import type { ScheduleCatalog } from './schedule-catalog.ts';
import type { ReportPublisher } from './schedule-report.ts';
import type { ScheduleStore } from './schedule-store.ts';

/** What the schedule services share; the engine builds it once. */
export interface ScheduleDeps {
  catalog: ScheduleCatalog;
  store: ScheduleStore;
  /** Each schedule's run records: what its pages show of its runs, kept after their jobs. */
  history: RunHistory;
  jobs: JobStore;
  tenants: TenantDirectory;
  reports: ReportPublisher;
  /** The engine's submit, so a run is an ordinary job (counted, dispatched fairly). */
  submit: (input: SubmitInput) => Promise<{ job: Job; created: boolean }>;
  clock: () => number;
  retentionDays: number;
  onEvent?: (event: EngineEvent) => void;
}

/** Who a run by the scheduler shows as having been run by. */
export const scheduler = (scheduleId: string) => ({ id: `schedule:${scheduleId}`, name: `Schedule ${scheduleId}` });
