import { durationMs, waitingMs, type ConcurrencyWait, type EventWait, type Job, type JobStatus, type Lane, type RunBy } from './job.ts';

/** A job item as stored. Bookkeeping fields never leave core. */
export interface JobRecord {
  pk: string;
  sk: string;
  id: string;
  type: string;
  label: string;
  status: JobStatus;
  tenant: string;
  system: boolean;
  createDate: number;
  startDate?: number;
  endDate?: number;
  hasErrors: boolean;
  lowPriority: boolean;
  runBy?: RunBy;
  submittedBy?: RunBy;
  progress: number;
  parentId?: string;
  rootId: string;
  /** The parent's run that spawned this child, and its position among that run's spawns. */
  parentRun?: number;
  spawnSeq?: number;
  data: Record<string, unknown>;
  results?: Record<string, unknown>;
  childrenTotal: number;
  childrenDone: number;
  /**
   * childrenTotal = spawned + adopted. `spawned` counts the run's own ctx.spawn calls and is
   * set, never added to, so a replay cannot count a spawn twice; `adopted` counts children
   * submitted through the api with this job as their parent.
   */
  spawned?: number;
  adopted?: number;
  resultFile?: string;
  error?: string;
  /** The schedule that started this run (its tenant is the job's). */
  scheduleId?: string;
  /** Not to start before this time (ms); it waits in the delayed set until then. */
  runAt?: number;
  /** A running job in a durable sleep: when it wakes (it waits in the delayed set meanwhile). */
  sleepingUntil?: number;
  /** A running job parked in `ctx.waitForEvent`: what it waits for, and when it gives up (events.ts). */
  eventWait?: EventWait;
  /** Its type's concurrency key, from its data at submit (concurrency-gate.ts); absent when the type has no limit. */
  concurrencyKey?: string;
  /** The slot this dispatch holds (a token in its key's holders) while it is in flight. */
  concurrencySlot?: string;
  /** While it waits in its key's blocked set: the key, the limit it found, and since when it waits. */
  concurrencyWait?: ConcurrencyWait & { since: number };
  /** Its type's `timeoutMs` after the first start of this run: past it the job ends with errors. */
  deadlineAt?: number;
  /** It ended its run past its deadline: its unfinished descendants are being canceled. */
  timedOut?: boolean;
  version: number;
  /** Bumped by every lease acquisition and by force stop: the fencing token. */
  leaseEpoch: number;
  leaseOwner?: string;
  leaseExpiresAt?: number;
  /** Attempt of the current run (retries of a failed slice). */
  attempt: number;
  /** Slices of the current run that died holding the lease (worker crash or Lambda timeout). */
  lostSlices?: number;
  /** Retries of this run's failed work so far (retry.ts); the attempt shown is one more. */
  retries?: number;
  /** Restarts so far; part of child ids so a restarted run spawns fresh children. */
  run: number;
  dispatchedAt?: number;
  /** Set while the job waits for children without holding a worker; `done` when its own run has ended. */
  parked?: 'waiting' | 'done';
  /** When the parent parked, and when one of its children last ended (the sweeper's recount clock). */
  parkedAt?: number;
  childrenChangedAt?: number;
  /** When the sweeper last re-derived the children counts, and how many recounts in a row found nothing. */
  recountedAt?: number;
  recounts?: number;
  /**
   * Retried while some of its children were not ended (retry.ts): a child that ended between
   * the retry's read of them and its write had its count refused, so the next park recounts.
   */
  recountOnPark?: boolean;
  /** A child submitted with parentId that its parent has not counted yet (adoption.ts). */
  adopting?: boolean;
  /** Children this parent counted whose adoption is not finished, so a repeated count is skipped. */
  pendingAdoptions?: Set<string>;
  /** Checkpoints the job had when its current lease was taken: a lost slice that added none made no progress. */
  stepsAtAcquire?: number;
  /** Being deleted (cascade.ts): its logs and checkpoints are going, then the item. */
  deleting?: boolean;
  /** Cancel asked of a running job: its stop ends in CANCELED instead of STOPPED. */
  cancelRequested?: boolean;
  expiresAt?: number;
  gsi1pk?: string;
  gsi1sk?: string;
  gsi2pk?: string;
  gsi2sk?: string;
  gsi3pk?: string;
  gsi3sk?: string;
  gsi4pk?: string;
  gsi4sk?: string;
  gsi5pk?: string;
  gsi5sk?: string;
}

export function laneOf(record: Pick<JobRecord, 'lowPriority'>): Lane {
  return record.lowPriority ? 'low' : 'normal';
}

export function toJob(record: JobRecord, now: number): Job {
  const dates = { createDate: record.createDate, startDate: record.startDate ?? null, endDate: record.endDate ?? null, runAt: record.runAt ?? null };
  const sleepingUntil = record.sleepingUntil ?? null;
  const waitingForEvent = record.eventWait ?? null;
  const waitingForConcurrency = record.concurrencyWait ? { key: record.concurrencyWait.key, limit: record.concurrencyWait.limit } : null;
  return {
    id: record.id,
    type: record.type,
    label: record.label,
    status: record.status,
    tenant: record.tenant,
    system: record.system,
    ...dates,
    sleepingUntil,
    waitingForEvent,
    waitingForConcurrency,
    waiting: waitingMs(dates, now),
    duration: durationMs(dates, now),
    hasErrors: record.hasErrors,
    lowPriority: record.lowPriority,
    runBy: record.runBy ?? null,
    submittedBy: record.submittedBy ?? null,
    progress: progressOf(record),
    parentId: record.parentId ?? null,
    rootId: record.rootId,
    data: record.data,
    results: record.results ?? null,
    childrenProgress: { finished: record.childrenDone, total: record.childrenTotal },
    resultFile: record.resultFile ?? null,
    error: record.error ?? null,
    scheduleId: record.scheduleId ?? null,
    attempt: (record.retries ?? 0) + 1,
    version: record.version,
  };
}

/**
 * The job's own progress; for a parent that reports none (a root that spawns its work and
 * waits, as EXECUTE_ACTION does), the share of its children that have ended, rounded down so
 * that 100 means all of them. Read from the job's own counters: no child is read. A canceled
 * parent keeps its own figure: its children ended because it was canceled, not done.
 */
export function progressOf(record: Pick<JobRecord, 'status' | 'progress' | 'childrenDone' | 'childrenTotal'>): number {
  if (record.progress > 0 || record.childrenTotal === 0 || record.status === 'CANCELED') return record.progress;
  return Math.floor((100 * Math.min(record.childrenDone, record.childrenTotal)) / record.childrenTotal);
}

/** Summary-card buckets: every job counts in exactly one (and in `total`). */
export const SUMMARY_BUCKETS = ['active', 'completed', 'failed', 'canceled'] as const;
export type SummaryBucket = (typeof SUMMARY_BUCKETS)[number];

export function summaryBucket(status: JobStatus, hasErrors: boolean): SummaryBucket {
  if (status === 'FINISHED') return hasErrors ? 'failed' : 'completed';
  if (status === 'CANCELED') return 'canceled';
  return 'active';
}
