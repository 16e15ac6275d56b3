import { crashPoint } from '../crash-points.ts';
import { LeaseLostError } from '../errors.ts';
import type { JobRecord } from '../job-record.ts';
import { parkedPartition } from '../store/table-keys.ts';
import type { UpdateSpec } from '../store/update-expression.ts';
import type { EngineContext } from './context.ts';
import { expiresAt } from './deps.ts';
import { jobEnded, recountIfRetried } from './job-tree.ts';
import { atVersion, carriesLease, endSpec, holdsLease, merge, releaseLease, type Lease } from './transitions.ts';

export interface FinishFields {
  results?: Record<string, unknown> | undefined;
  resultFile?: string | undefined;
  progress?: number;
  hasErrors?: boolean;
  error?: string;
  /** The run ended past its deadline (deadline.ts). */
  timedOut?: boolean;
}

/** Update parts that park a job without a worker until its children end. */
export function parkSpec(record: Pick<JobRecord, 'id'>, parked: 'waiting' | 'done', now: number): UpdateSpec {
  return merge(releaseLease, {
    set: { parked, parkedAt: now, gsi5pk: parkedPartition(record.id), gsi5sk: record.id },
    remove: ['dispatchedAt'],
  });
}

/**
 * The job's own run ended. It is FINISHED only when its children have ended too; otherwise it
 * parks as `done` and the last child to end finishes it. Conditional on the lease: a worker
 * whose lease was revoked (force stop) cannot finish the job.
 */
export async function finishOrPark(ctx: EngineContext, record: JobRecord, lease: Lease, fields: FinishFields): Promise<'finished' | 'parked'> {
  const { deps } = ctx;
  const now = deps.clock();
  const set = {
    results: fields.results,
    resultFile: fields.resultFile,
    progress: fields.progress,
    ...(fields.hasErrors ? { hasErrors: true } : {}),
    error: fields.error?.slice(0, 2_000),
    ...(fields.timedOut ? { timedOut: true } : {}),
    lostSlices: 0,
  };
  const finished = await deps.jobs.tryUpdate(
    record.id,
    merge(holdsLease(lease), endSpec(record, 'FINISHED', now, expiresAt(deps, now)), { set, condition: '#childrenDone >= #childrenTotal' }),
  );
  if (finished) {
    await crashPoint('slice.ended', { jobId: record.id, jobType: record.type });
    await jobEnded(ctx, finished);
    return 'finished';
  }
  const parked = await deps.jobs.tryUpdate(
    record.id,
    merge(holdsLease(lease), parkSpec(record, 'done', now), { set, condition: '#childrenDone < #childrenTotal' }),
  );
  if (parked) {
    await recountIfRetried(ctx, parked);
    return 'parked';
  }
  // Neither held: either the lease is gone, or the last child ended between the two writes.
  const current = await deps.jobs.get(record.id);
  if (carriesLease(current, lease)) return finishOrPark(ctx, current, lease, fields);
  throw new LeaseLostError(record.id);
}

/**
 * Ends a job that holds no worker as STOPPED (or CANCELED when a cancel was asked while it
 * ran), conditional on the version read. The ended job, or null when it had changed.
 */
export async function stopNow(ctx: EngineContext, record: JobRecord): Promise<JobRecord | null> {
  return endStopped(ctx, record, atVersion(record.version));
}

/**
 * Ends a slice that honoured a stop. Only while the job is still STOPPING: a resume of its
 * tree may have turned it back to RUNNING since the slice saw the stop (cascade.ts), and then
 * the slice yields instead, so the job goes on. `'resumed'` says so. The progress the slice held
 * back (at most a second's) is written with the stop, so a resume shows where it stopped.
 */
export async function stopHeld(ctx: EngineContext, record: JobRecord, lease: Lease, progress: number | null): Promise<'stopped' | 'resumed'> {
  let current: JobRecord | undefined = record;
  // A cancel may also reach the job meanwhile (cancelRequested): read again and end it so.
  for (let attempt = 0; attempt < 3 && carriesLease(current, lease); attempt++) {
    if (current.status === 'RUNNING') return 'resumed';
    const fence = merge(holdsLease(lease), { condition: '#status = :stopping', ...(progress !== null ? { set: { progress } } : {}) });
    if (await endStopped(ctx, current, fence)) return 'stopped';
    current = await ctx.deps.jobs.get(record.id);
  }
  throw new LeaseLostError(record.id);
}

async function endStopped(ctx: EngineContext, record: JobRecord, fence: UpdateSpec): Promise<JobRecord | null> {
  const { deps } = ctx;
  const now = deps.clock();
  const status = record.cancelRequested ? 'CANCELED' : 'STOPPED';
  const ended = await deps.jobs.tryUpdate(
    record.id,
    merge(fence, endSpec(record, status, now, status === 'CANCELED' ? expiresAt(deps, now) : undefined), {
      set: { lostSlices: 0 },
      remove: ['cancelRequested'],
      // Whether a cancel was asked is part of what we read: one asked since ends it CANCELED.
      condition: record.cancelRequested ? '#cancelRequested = :yes' : 'attribute_not_exists(#cancelRequested)',
      ...(record.cancelRequested ? { values: { ':yes': true } } : {}),
    }),
  );
  if (ended && status === 'CANCELED') {
    await deps.checkpoints.clear(record.id);
    await jobEnded(ctx, ended);
  }
  return ended;
}
