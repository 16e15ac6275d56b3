import type { CounterBatch } from '../counter-store.ts';
import type { JobRecord } from '../job-record.ts';
import { SHARDS } from '../table-keys.ts';
import { settleParent } from './children.ts';
import type { EngineDeps } from './deps.ts';
import type { Dispatcher } from './dispatcher.ts';

export interface SweepReport {
  /** Jobs whose lease expired (worker crashed) and were sent again. */
  expiredLeases: number;
  /** Dispatched jobs that never started (message lost) and were sent again. */
  lostDispatches: number;
  /** Parked parents whose children had all ended but that were never woken. */
  parentsSettled: number;
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

/**
 * Recovers from crashes. Reads only the in-flight and parked sets (gsi5 `I#n`, `W#n`), which
 * are bounded by active roots × the per-root bound, never the jobs table.
 */
export interface SweepOptions {
  /**
   * Every in-flight job without a live lease lost its message (a local stack restarted with
   * empty in-memory queues): send them all again now rather than after redispatchAfterMs.
   */
  messagesLost?: boolean;
}

export async function sweep(
  deps: EngineDeps,
  dispatcher: Dispatcher,
  counters: CounterBatch,
  options: SweepOptions = {},
): Promise<Omit<SweepReport, 'schedulesStarted' | 'schedulesReconciled' | 'schedulesFailed' | 'schedulesSkipped'>> {
  const report = { expiredLeases: 0, lostDispatches: 0, parentsSettled: 0, dispatched: 0 };
  const now = deps.clock();
  for (let shard = 0; shard < SHARDS; shard++) {
    for (const record of await readSet(deps, `I#${shard}`)) {
      // A crashed worker's job is sent again at once; after that (dispatchedAt set) only if the
      // resent message also went unanswered for a while, so a busy queue is not flooded.
      const stale = options.messagesLost || (record.dispatchedAt ?? 0) < now - deps.tuning.redispatchAfterMs;
      const expired = record.leaseExpiresAt !== undefined && record.leaseExpiresAt < now && (record.dispatchedAt === undefined || stale);
      const lost = record.leaseExpiresAt === undefined && stale;
      if (!expired && !lost) continue;
      // Conditional on what we saw, so two sweepers (or a worker starting now) do not double up.
      const claimed = await deps.jobs.tryUpdate(record.id, {
        set: { dispatchedAt: now },
        condition: '#version = :version AND #leaseEpoch = :epoch',
        values: { ':version': record.version, ':epoch': record.leaseEpoch },
      });
      if (!claimed || !(await dispatcher.send(claimed))) continue;
      if (expired) report.expiredLeases++;
      else report.lostDispatches++;
    }
    for (const record of await readSet(deps, `W#${shard}`)) {
      if (record.childrenDone < record.childrenTotal) continue;
      await settleParent(deps, dispatcher, counters, record);
      report.parentsSettled++;
    }
  }
  report.dispatched = await dispatcher.pump();
  return report;
}

async function readSet(deps: EngineDeps, partition: string): Promise<JobRecord[]> {
  const ids: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.jobs.queryIndex({ index: 'gsi5', partition, ...(startKey ? { startKey } : {}) });
    for (const key of page.keys) ids.push(key.pk!.slice(2));
    startKey = page.lastKey;
  } while (startKey);
  return [...(await deps.jobs.getMany(ids)).values()];
}
