import type { JobRecord } from '../job-record.ts';
import { laneOf } from '../job-record.ts';
import { delayedPartition, delayedSortKey } from '../store/table-keys.ts';
import type { UpdateSpec } from '../store/update-expression.ts';
import type { EngineContext } from './context.ts';
import { readySpec } from './dispatcher.ts';
import { merge } from './transitions.ts';

/**
 * A job submitted with a later `runAt` waits in the delayed set (gsi5 `N#<shard>`, due
 * first), which no dispatcher reads, so it holds no worker and no slot of its root (a child
 * submitted with `parentId` goes there once its parent has counted it, adoption.ts). The
 * sweeper reads the entries that are due and makes each job ready: lane touched first, then
 * one write conditional on the job still being in the delayed set, so two sweepers (or a stop
 * meanwhile) change it once. A crash between the two leaves the job delayed and due, and the
 * next sweep does it again; a lane touched for nothing empties after its grace (dispatcher.ts).
 */
export async function startDelayed(ctx: EngineContext, record: JobRecord): Promise<JobRecord | null> {
  const { deps, dispatcher } = ctx;
  await dispatcher.touchLane(record.rootId, laneOf(record));
  const ready = await deps.jobs.tryUpdate(
    record.id,
    merge(readySpec(record, deps.clock()), {
      condition: '#status = :pending AND #gsi5pk = :delayed',
      values: { ':pending': 'PENDING', ':delayed': delayedPartition(record.id) },
    }),
  );
  if (ready) await dispatcher.pumpRoot(ready.rootId, laneOf(ready));
  return ready;
}

/**
 * Where a job that goes back to waiting (a resume) waits: the delayed set while its `runAt` is
 * still ahead, otherwise its ready set.
 */
export function waitingSpec(record: JobRecord, now: number): { spec: UpdateSpec; delayed: boolean } {
  if (record.runAt !== undefined && record.runAt > now) {
    return { spec: { set: { gsi5pk: delayedPartition(record.id), gsi5sk: delayedSortKey(record.runAt, record.id) }, remove: ['dispatchedAt'] }, delayed: true };
  }
  return { spec: readySpec(record, now), delayed: false };
}
