import { NonRetriableError, type JobDefinition } from '@stint/sdk';
import type { JobRecord } from '../job-record.ts';
import type { EngineContext } from './context.ts';
import { cascadeToChildren } from './cascade.ts';

/**
 * A job type's `timeoutMs` bounds a run from its first start: the lease acquisition stores
 * `deadlineAt` (a resume moves it on by the time the job was STOPPED, cascade.ts), and
 * whichever comes first ends the run past it —
 *   - a slice: its timer aborts ctx.signal, its next step boundary (or its acquisition, for a
 *     job woken after the deadline) fails the job with DeadlineExceededError, not retried;
 *   - a sleep: it parks until the deadline at the latest, so it wakes to be ended;
 *   - a parent waiting for children: the sweeper makes it ready once the deadline passed.
 * The failed job parks as `done` with `timedOut` while it has unfinished children, and they
 * are canceled; the sweeper walks them again while it stays parked so (a crash between the
 * two writes), and the last child's end finishes it with its errors (job-tree.ts).
 */
export class DeadlineExceededError extends NonRetriableError {
  override readonly name = 'DeadlineExceededError';
}

export function pastDeadline(definition: Pick<JobDefinition, 'timeoutMs'> | undefined): DeadlineExceededError {
  return new DeadlineExceededError(`the job ran past its timeout of ${definition?.timeoutMs ?? '?'} ms`);
}

export async function cancelTimedOutChildren(ctx: EngineContext, jobId: string): Promise<void> {
  const parent = await ctx.deps.jobs.get(jobId);
  if (parent?.timedOut && parent.parked === 'done') await cascadeToChildren(ctx, parent, 'cancel', parent.version);
}

/** The sweeper's part for a parked job past its deadline; true when it did something. */
export async function enforceDeadline(ctx: EngineContext, record: JobRecord, now: number): Promise<boolean> {
  if (record.deadlineAt === undefined || record.deadlineAt > now) return false;
  if (record.parked === 'waiting') {
    // Ready, so a slice takes it and ends it (its acquisition sees the deadline passed).
    return (await ctx.dispatcher.makeReady(record, { remove: ['parked'], condition: '#parked = :waiting', values: { ':waiting': 'waiting' } })) !== null;
  }
  if (record.timedOut && record.childrenDone < record.childrenTotal && (record.parkedAt ?? 0) < now - ctx.deps.tuning.settleGraceMs) {
    await cancelTimedOutChildren(ctx, record.id);
    return true;
  }
  return false;
}
