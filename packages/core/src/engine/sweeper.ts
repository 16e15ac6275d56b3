import { ConflictError } from '../errors.ts';
import type { JobRecord } from '../job-record.ts';
import { adoptingShard, delayedDueRange, delayedShard, IN_FLIGHT_SHARDS, inFlightShard, jobIdOfPk, parkedShard, SHARDS } from '../store/table-keys.ts';
import { finishAdoption } from './adoption.ts';
import { finishCascades } from './cascade.ts';
import type { EngineContext } from './context.ts';
import { enforceDeadline } from './deadline.ts';
import { recountChildren, settleParent } from './job-tree.ts';
import { startDelayed } from './delayed-start.ts';
import { resend } from './recovery.ts';

export interface SweepReport {
  /** Jobs whose lease expired (worker crashed) and were sent again. */
  expiredLeases: number;
  /** Dispatched jobs that never started (message lost) and were sent again. */
  lostDispatches: number;
  /** Parked parents whose children had all ended but that were never woken. */
  parentsSettled: number;
  /** Parked parents whose children counts were re-derived from the children and found stale. */
  parentsRecounted: number;
  /** Adoptions a crash interrupted, finished (or refused, when the parent had ended). */
  adoptionsFinished: number;
  /** Operations over trees (and deletes) a crash interrupted, finished. */
  cascadesFinished: number;
  /** Tenant listings whose summary cards were re-derived from the job items (counter-reconcile.ts). */
  countersCorrected: number;
  /** Jobs submitted to start later whose time came, made ready. */
  delayedStarted: number;
  /** Parked jobs past their deadline: made ready to be ended, or their children canceled again. */
  deadlinesEnforced: number;
  /** Jobs waiting for a concurrency slot made ready because their key had room (a release that never came). */
  concurrencyWoken: number;
  /** Messages the pump sent for ready work. */
  dispatched: number;
  /** Scheduled runs started (one per due slot). */
  schedulesStarted: number;
  /** Schedule rows created or re-planned for new tenants or changed definitions. */
  schedulesReconciled: number;
  /** Due schedule rows that failed to start (retried by the next sweep). */
  schedulesFailed: number;
  /** Slots of no-overlap schedules let pass while their previous run was active. */
  schedulesSkipped: number;
}

export interface SweepOptions {
  /**
   * Every in-flight job without a live lease lost its message (a local stack restarted with
   * empty in-memory queues): send them all again now rather than after redispatchAfterMs.
   */
  messagesLost?: boolean;
}

/** A parent parked with no child ending for this long gets its counts re-derived; doubled after each recount that found nothing. */
export const RECOUNT_MAX_WAIT_MS = 3_600_000;

export type EngineSweep = Omit<SweepReport, 'countersCorrected' | 'schedulesStarted' | 'schedulesReconciled' | 'schedulesFailed' | 'schedulesSkipped'>;

/**
 * Recovers from crashes. Reads only the sets that hold unfinished work — in flight, parked,
 * being adopted (gsi5 `I#n`, `W#n`, `A#n`), the cascade markers (`X#n`) and the concurrency
 * keys with waiting jobs (`G#n`, concurrency-gate.ts) — which are
 * bounded by active roots × the per-root bound and by operations in progress, never the
 * jobs table. Every repair is a conditional write on what was read, so sweepers racing each
 * other or a worker do one repair between them.
 */
export async function sweep(ctx: EngineContext, options: SweepOptions = {}): Promise<EngineSweep> {
  const { deps } = ctx;
  const report: EngineSweep = {
    expiredLeases: 0,
    lostDispatches: 0,
    parentsSettled: 0,
    parentsRecounted: 0,
    adoptionsFinished: 0,
    cascadesFinished: 0,
    delayedStarted: 0,
    deadlinesEnforced: 0,
    concurrencyWoken: 0,
    dispatched: 0,
  };
  const now = deps.clock();
  for (let shard = 0; shard < IN_FLIGHT_SHARDS; shard++) {
    for (const record of await readSet(ctx, inFlightShard(shard))) {
      // A crashed worker's job is sent again at once; after that (dispatchedAt set) only if the
      // resent message also went unanswered for a while, so a busy queue is not flooded.
      const stale = options.messagesLost || (record.dispatchedAt ?? 0) < now - deps.tuning.redispatchAfterMs;
      const expired = record.leaseExpiresAt !== undefined && record.leaseExpiresAt < now && (record.dispatchedAt === undefined || stale);
      const lost = record.leaseExpiresAt === undefined && stale;
      if (!expired && !lost) continue;
      if (!(await resend(ctx, record, now))) continue;
      if (expired) report.expiredLeases++;
      else report.lostDispatches++;
    }
  }
  for (let shard = 0; shard < SHARDS; shard++) {
    for (const record of await readSet(ctx, parkedShard(shard))) {
      // Then settled or recounted as any parked job: the conditional writes skip a moved one.
      if (await enforceDeadline(ctx, record, now)) report.deadlinesEnforced++;
      if (record.childrenDone >= record.childrenTotal) {
        await settleParent(ctx, record);
        report.parentsSettled++;
      } else if (recountDue(ctx, record, now) && (await recountChildren(ctx, record)) === 'settled') {
        report.parentsRecounted++;
      }
    }
    for (const record of await readSet(ctx, delayedShard(shard), delayedDueRange(now))) {
      if (await startDelayed(ctx, record)) report.delayedStarted++;
    }
    for (const read of await readSet(ctx, adoptingShard(shard))) {
      if (read.createDate > now - deps.tuning.settleGraceMs) continue;
      // Read again, consistently, just before: an adoption another caller finished since the
      // set was read would be counted twice (adoption.ts; the parent's recount takes it back).
      const record = await deps.jobs.get(read.id);
      if (!record?.adopting) continue;
      await finishAdoption(ctx, record).catch((error: unknown) => {
        // The parent had ended: the child never joined and is gone; nothing else to do.
        if (!(error instanceof ConflictError)) throw error;
      });
      report.adoptionsFinished++;
    }
  }
  report.cascadesFinished = await finishCascades(ctx);
  report.concurrencyWoken = await ctx.dispatcher.gate.sweep(now);
  report.dispatched = await ctx.dispatcher.pump();
  return report;
}

/**
 * A parent waits for its children with no child ending for a lease's time (doubling after
 * each recount that found the counts right, up to an hour): then its counts may have lost an
 * increment to a crash, and are re-derived from the children themselves.
 */
function recountDue(ctx: EngineContext, parent: JobRecord, now: number): boolean {
  const quietSince = Math.max(parent.childrenChangedAt ?? 0, parent.parkedAt ?? 0, parent.recountedAt ?? 0);
  const wait = Math.min(RECOUNT_MAX_WAIT_MS, ctx.deps.tuning.leaseMs * 2 ** (parent.recounts ?? 0));
  return quietSince < now - wait;
}

async function readSet(ctx: EngineContext, partition: string, between?: [string, string]): Promise<JobRecord[]> {
  const keys = await ctx.deps.jobs.queryIndexAll({ index: 'gsi5', partition, ...(between ? { between } : {}) });
  return [...(await ctx.deps.jobs.getMany(keys.map((key) => jobIdOfPk(key.pk!)))).values()];
}
