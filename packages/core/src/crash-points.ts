import { writeSync } from 'node:fs';

/**
 * Named points between two writes of a multi-write sequence (and between a read and the
 * write that depends on it). In production they cost one check of a module variable.
 *
 * Tests use them two ways, as FoundationDB's simulation and Jepsen's nemesis do:
 * - **crash**: a process started with `STINT_CRASH_POINT=<name>` kills itself with SIGKILL
 *   the moment it reaches that point (optionally only the n-th time, `STINT_CRASH_AFTER=n`,
 *   and only for jobs of one type, `STINT_CRASH_JOB_TYPE=T`). Nothing after the point runs:
 *   no `finally`, no counter flush, no in-flight SQS message survives its visibility timeout
 *   unanswered. What the process wrote before the point is all that is left.
 * - **race**: an in-process hook (`setCrashPointHook`) runs another writer at the point, so a
 *   test can force "A reads, B commits, A writes" and check that exactly one wins.
 *
 * docs/architecture.md ("Every multi-write sequence") lists each point with its recovery.
 */
export const CRASH_POINTS = [
  // submit
  'submit.keyClaimed',
  'submit.laneTouched',
  'submit.created',
  // adoption: a child submitted with parentId (its write is submit.created)
  'adopt.parentCounted',
  'adopt.childReady',
  // a slice
  'slice.loaded',
  'slice.stepDone',
  'slice.checkpointSaved',
  'slice.spawned',
  'slice.yieldLaneTouched',
  'slice.yielded',
  'slice.ended',
  'slice.retryScheduled',
  // a child ended: its parent's accounting
  'child.parentCounted',
  // dispatch
  'dispatch.claimed',
  // per-key concurrency: a slot taken before the claim; a full key marked, then the job blocked; a slot given back
  'concurrency.slotTaken',
  'concurrency.keyMarked',
  'concurrency.blocked',
  'concurrency.released',
  // operations
  'operation.loaded',
  'cascade.marked',
  'cascade.applied',
  'cascade.childrenDone',
  'cascade.ended',
  'delete.partitionsCleared',
  'retry.childrenRetried',
  // an expired job (TTL removed its item): its run record settled, then its leftovers, then its count-out
  'expiry.runSettled',
  'expiry.leftoversRemoved',
  // counters
  'counters.beforeFlush',
  // schedules: a slot's run started, then its record, then the row moved on; a run's end
  'schedule.runSubmitted',
  'schedule.runRecorded',
  'schedule.runEnded',
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

/** What a point knows about the job it is about, so a test can pick the hit it means. */
export interface PointDetail {
  jobId?: string | undefined;
  jobType?: string | undefined;
}

export type CrashPointHook = (point: CrashPoint, detail: PointDetail) => void | Promise<void>;

let hook: CrashPointHook | undefined = armedFrom(process.env);

/** Marks a crash point. Await it: a race hook may hold the caller here. */
export function crashPoint(point: CrashPoint, detail: PointDetail = {}): void | Promise<void> {
  return hook?.(point, detail);
}

/** Installs (or, with undefined, removes) an in-process hook; for tests that force races. */
export function setCrashPointHook(next: CrashPointHook | undefined): void {
  hook = next;
}

/** The variables that arm a process for a crash test; no deployment sets them. */
export const CRASH_POINT_ENV = ['STINT_CRASH_POINT', 'STINT_CRASH_AFTER', 'STINT_CRASH_JOB_TYPE'] as const;

/** The hook a process armed through its environment gets: SIGKILL at the n-th matching hit. */
export function armedFrom(env: Record<string, string | undefined>): CrashPointHook | undefined {
  const target = env.STINT_CRASH_POINT;
  if (!target) return undefined;
  if (!(CRASH_POINTS as readonly string[]).includes(target)) {
    throw new Error(`STINT_CRASH_POINT=${target} is not a crash point; known: ${CRASH_POINTS.join(', ')}`);
  }
  const after = Number(env.STINT_CRASH_AFTER ?? '1');
  if (!Number.isInteger(after) || after < 1) throw new Error(`STINT_CRASH_AFTER must be a positive integer, not ${env.STINT_CRASH_AFTER}`);
  const jobType = env.STINT_CRASH_JOB_TYPE;
  let hits = 0;
  return (point, detail) => {
    if (point !== target || (jobType !== undefined && detail.jobType !== jobType)) return;
    if (++hits < after) return;
    // Synchronous write: the test reads this line to know the process died where it meant.
    writeSync(2, `stint: crash point ${point} reached${detail.jobId ? ` (job ${detail.jobId})` : ''}\n`);
    process.kill(process.pid, 'SIGKILL');
    // The signal is on its way; block this thread so not one more statement runs meanwhile.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  };
}
