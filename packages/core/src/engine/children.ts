import type { ChildOutcome } from '@stint/sdk';
import { laneOf, type JobRecord } from '../job-record.ts';
import { parentPartition } from '../table-keys.ts';
import type { CounterBatch } from '../counter-store.ts';
import { emit, expiresAt, type EngineDeps } from './deps.ts';
import { readySpec, type Dispatcher } from './dispatcher.ts';
import { bucketOf, endSpec, merge } from './transitions.ts';

/**
 * A job ended (FINISHED or CANCELED, committed): move it out of the active count, report it,
 * and tell its parent. Every path that ends a job goes through here.
 */
export async function jobEnded(deps: EngineDeps, dispatcher: Dispatcher, counters: CounterBatch, record: JobRecord): Promise<void> {
  counters.bucketMoved(record.tenant, 'active', bucketOf(record));
  emit(deps, { type: 'jobEnded', jobId: record.id, rootId: record.rootId, tenant: record.tenant, jobType: record.type, status: record.status, hasErrors: record.hasErrors });
  if (record.scheduleId && deps.runEnded) {
    // A report that cannot be sent must not undo or retry the run's end: it is recorded on the
    // schedule row and reported as a warning.
    await deps.runEnded(record).catch((error: unknown) => emit(deps, { type: 'warning', message: 'schedule report failed', jobId: record.id, error }));
  }
  await onJobEnded(deps, dispatcher, counters, record);
}

/**
 * A child ended (finished or canceled): count it on the parent, carry its errors up, and
 * wake or finish the parent when it was the last one the parent waited for.
 *
 * The child's own end was already committed. If the process dies before the parent's
 * counter is updated, the sweeper's parked-parent check repairs it from the children index.
 */
export async function onJobEnded(deps: EngineDeps, dispatcher: Dispatcher, counters: CounterBatch, child: JobRecord): Promise<void> {
  if (!child.parentId) return;
  const parent = await deps.jobs.tryUpdate(child.parentId, {
    add: { childrenDone: 1 },
    ...(child.hasErrors ? { set: { hasErrors: true } } : {}),
    condition: 'attribute_exists(#pk)',
  });
  if (parent) await settleParent(deps, dispatcher, counters, parent);
}

/** Wakes a parked parent whose children have all ended, or finishes it if its own run was done. */
export async function settleParent(deps: EngineDeps, dispatcher: Dispatcher, counters: CounterBatch, parent: JobRecord): Promise<void> {
  if (!parent.parked || parent.childrenDone < parent.childrenTotal) return;
  const now = deps.clock();
  if (parent.parked === 'waiting') {
    const woken = await deps.jobs.tryUpdate(
      parent.id,
      merge(readySpec(parent, now), {
        remove: ['parked'],
        condition: '#parked = :waiting AND #childrenDone >= #childrenTotal',
        values: { ':waiting': 'waiting' },
      }),
    );
    if (woken) {
      await dispatcher.touchLane(woken.rootId, laneOf(woken));
      await dispatcher.pumpRoot(woken.rootId, laneOf(woken));
    }
    return;
  }
  const finished = await deps.jobs.tryUpdate(
    parent.id,
    merge(endSpec(parent, 'FINISHED', now, expiresAt(deps, now)), {
      set: { progress: 100 },
      condition: '#parked = :done AND #childrenDone >= #childrenTotal',
      values: { ':done': 'done' },
    }),
  );
  if (finished) await jobEnded(deps, dispatcher, counters, finished);
}

/** Ids of a job's children of its current run, oldest first. */
export async function childIds(deps: EngineDeps, parentId: string): Promise<string[]> {
  const ids: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.jobs.queryIndex({ index: 'gsi4', partition: parentPartition(parentId), ...(startKey ? { startKey } : {}) });
    for (const key of page.keys) ids.push(key.pk!.slice(2));
    startKey = page.lastKey;
  } while (startKey);
  return ids;
}

export async function childOutcomes(deps: EngineDeps, parent: JobRecord): Promise<ChildOutcome[]> {
  const records = await deps.jobs.getMany(await childIds(deps, parent.id));
  return [...records.values()]
    .filter((child) => (child.parentRun ?? 0) === parent.run)
    .sort((a, b) => (a.spawnSeq ?? 0) - (b.spawnSeq ?? 0))
    .map((child) => ({
      id: child.id,
      type: child.type,
      status: child.status === 'CANCELED' ? 'CANCELED' : 'FINISHED',
      hasErrors: child.hasErrors,
      results: child.results ?? null,
    }));
}
