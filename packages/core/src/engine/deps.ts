import type { JobRegistry } from '@stint/sdk';
import type { TenantDirectory } from '../auth/tenant-directory.ts';
import type { CheckpointStore } from '../store/checkpoint-store.ts';
import type { ChildEndCounts } from './child-end-counts.ts';
import type { CounterStore } from '../store/counter-store.ts';
import type { JobRecord } from '../job-record.ts';
import type { JobStore } from '../store/job-store.ts';
import type { LogStore } from '../store/log-store.ts';
import type { WorkQueue } from '../work-queue.ts';
import type { SubmitInput } from './submit-input.ts';

export interface EngineTuning {
  sliceBudgetMs: number;
  leaseMs: number;
  maxInFlightPerRoot: number;
  retentionDays: number;
  /** A dispatched job that has not started after this long gets its message sent again. */
  redispatchAfterMs: number;
  /**
   * How old an interrupted adoption or tree operation must be before the sweeper finishes it;
   * younger ones may still be under way in their own request (adoption.ts, cascade.ts).
   */
  settleGraceMs: number;
  /** How long a summary item must go without a delta before its cards are re-derived (counter-reconcile.ts). */
  counterSettleMs: number;
}

/** Structured events for the handler's logger and metrics; core does no I/O of its own for them. */
export type EngineEvent =
  | { type: 'jobCreated'; jobId: string; rootId: string; tenant: string; jobType: string }
  | { type: 'jobStarted'; jobId: string; rootId: string; tenant: string; jobType: string; waitingMs: number }
  | { type: 'jobEnded'; jobId: string; rootId: string; tenant: string; jobType: string; status: string; hasErrors: boolean }
  | { type: 'sliceEnded'; jobId: string; rootId: string; tenant: string; jobType: string; outcome: string; durationMs: number }
  | { type: 'warning'; message: string; jobId?: string; error?: unknown };

export interface EngineDeps {
  jobs: JobStore;
  logs: LogStore;
  checkpoints: CheckpointStore;
  counters: CounterStore;
  /** This process's children's ends, counted on their parents a group at a time. */
  childEnds: ChildEndCounts<JobRecord | null>;
  queue: WorkQueue;
  /** Tenants that have jobs, so all-tenant views can list them without a Scan. */
  tenants: TenantDirectory;
  registry: JobRegistry;
  tuning: EngineTuning;
  clock: () => number;
  /** Identifies this worker process in leases. */
  workerId: string;
  onEvent?: (event: EngineEvent) => void;
  /** A run of a schedule ended: its run record takes the outcome, and its report is sent from here. */
  runEnded?: (record: JobRecord) => Promise<void>;
  /** A run of a schedule is about to be deleted: its run record must hold its end before the job goes. */
  runRemoved?: (record: JobRecord) => Promise<void>;
  /** Submits one of the engine's own system jobs (the CASCADE walk of a wide tree). */
  submitSystemJob?: (input: SubmitInput) => Promise<unknown>;
}

export function emit(deps: EngineDeps, event: EngineEvent): void {
  deps.onEvent?.(event);
}

export function expiresAt(deps: EngineDeps, now: number): number {
  return Math.floor(now / 1000) + deps.tuning.retentionDays * 86_400;
}
