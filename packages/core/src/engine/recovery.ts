import type { JobRecord } from '../job-record.ts';
import { laneOf } from '../job-record.ts';
import { dispatchSetOf } from '../store/table-keys.ts';
import { finishAdoption } from './adoption.ts';
import type { EngineContext } from './context.ts';

/** A dispatched job unstarted for this long may have lost its message; a re-submission sends it again. */
export const NUDGE_AFTER_MS = 10_000;

/**
 * Sends an in-flight job's message again. Conditional on the version and epoch we saw, so two
 * sweepers (or a worker starting the job right now) do not double up; a duplicate that still
 * gets through is skipped by the lease.
 */
export async function resend(ctx: EngineContext, record: JobRecord, now: number): Promise<JobRecord | null> {
  const claimed = await ctx.deps.jobs.tryUpdate(record.id, {
    set: { dispatchedAt: now },
    condition: '#version = :version AND #leaseEpoch = :epoch',
    values: { ':version': record.version, ':epoch': record.leaseEpoch },
  });
  if (!claimed || !(await ctx.dispatcher.send(claimed))) return null;
  return claimed;
}

/**
 * Sets a PENDING job moving if it is not: finishes an interrupted adoption, touches the lane
 * of a ready job, or resends a dispatched job whose message may be lost. Called for an
 * idempotent re-submission, whose first submission may have died before dispatching.
 */
export async function nudge(ctx: EngineContext, record: JobRecord): Promise<JobRecord> {
  if (record.status !== 'PENDING') return record;
  const now = ctx.deps.clock();
  switch (dispatchSetOf(record)) {
    case 'adopting':
      // A younger adoption may still be under way in its own request (adoption.ts).
      return record.createDate < now - ctx.deps.tuning.settleGraceMs ? finishAdoption(ctx, record) : record;
    case 'ready':
      await ctx.dispatcher.touchLane(record, laneOf(record));
      await ctx.dispatcher.pumpRoot(record.rootId, laneOf(record));
      return (await ctx.deps.jobs.get(record.id)) ?? record;
    case 'inFlight':
      if (record.leaseExpiresAt === undefined && (record.dispatchedAt ?? 0) < now - Math.min(NUDGE_AFTER_MS, ctx.deps.tuning.redispatchAfterMs)) {
        return (await resend(ctx, record, now)) ?? record;
      }
      return record;
    default:
      return record;
  }
}
