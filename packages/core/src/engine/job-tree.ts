import type { ChildOutcome } from '@stint/sdk';
import { crashPoint } from '../crash-points.ts';
import { isEnded } from '../job.ts';
import type { JobRecord } from '../job-record.ts';
import { CHILD_SHARDS, jobIdOfPk, parentPartition, parentPartitions } from '../store/table-keys.ts';
import type { EngineContext } from './context.ts';
import { emit, expiresAt, type EngineDeps } from './deps.ts';
import { bucketOf, endSpec, merge } from './transitions.ts';

/**
 * A parent's accounting of its children: `childrenTotal` (spawned + adopted) and
 * `childrenDone` (children of the current run that ended). The parent is woken or finished
 * when the second reaches the first.
 *
 * The counts are kept by increments on the fast path and re-derived from the children when
 * they may be stale: a child's end and its parent's increment are two writes, and a crash
 * between them would leave the parent parked forever (see `recountChildren`).
 */

/**
 * A job ended (FINISHED or CANCELED, committed): move it out of the active count, report it,
 * and count it on its parent. Every path that ends a job goes through here.
 */
export async function jobEnded(ctx: EngineContext, record: JobRecord): Promise<void> {
  const { deps } = ctx;
  ctx.counters.bucketMoved(record, 'active', bucketOf(record));
  emit(deps, {
    type: 'jobEnded',
    jobId: record.id,
    rootId: record.rootId,
    tenant: record.tenant,
    jobType: record.type,
    status: record.status,
    hasErrors: record.hasErrors,
  });
  if (record.scheduleId && deps.runEnded) {
    // A crash here leaves the run's record saying running: a read of the schedule's pages, or
    // the job's deletion, writes the end it finds on the job (run-history.ts).
    await crashPoint('schedule.runEnded', { jobId: record.id, jobType: record.type });
    // Neither a record nor a report that cannot be written may undo or retry the run's end: a
    // report's failure is kept on the schedule row, and both are reported as warnings.
    await deps
      .runEnded(record)
      .catch((error: unknown) => emit(deps, { type: 'warning', message: 'recording or reporting a schedule run failed', jobId: record.id, error }));
  }
  await countChildEnded(ctx, record);
}

/**
 * A child ended (finished or canceled, committed): count it on its parent and settle the parent.
 * Siblings ending in this process meanwhile are counted in one write (child-end-counts.ts),
 * and the parent is settled once per write, by the end that opened it.
 */
export async function countChildEnded(ctx: EngineContext, child: JobRecord): Promise<void> {
  // A child still being adopted was never counted on its parent (see adoption.ts).
  if (!child.parentId || child.adopting) return;
  const { deps } = ctx;
  const parentId = child.parentId;
  const run = child.parentRun ?? 0;
  const { result: parent, first } = await deps.childEnds.count(`${parentId}#${run}`, child.hasErrors, (ends, hasErrors) =>
    deps.jobs.tryUpdate(parentId, {
      add: { childrenDone: ends },
      set: { childrenChangedAt: deps.clock(), ...(hasErrors ? { hasErrors: true } : {}) },
      // A child of an earlier run (before a restart) is not the current run's to count, and an
      // ended parent's counts are final: a child restarted after its parent ended runs alone.
      condition: 'attribute_exists(#pk) AND #run = :run AND NOT #status IN (:finished, :canceled)',
      values: { ':run': run, ':finished': 'FINISHED', ':canceled': 'CANCELED' },
    }),
  );
  if (!parent || !first) return;
  await crashPoint('child.parentCounted', { jobId: parent.id, jobType: parent.type });
  await settleParent(ctx, parent);
}

/** Wakes a parked parent whose children have all ended, or finishes it if its own run was done. */
export async function settleParent(ctx: EngineContext, parent: JobRecord): Promise<void> {
  const { deps, dispatcher } = ctx;
  if (!parent.parked || parent.childrenDone < parent.childrenTotal) return;
  const now = deps.clock();
  if (parent.parked === 'waiting') {
    await dispatcher.makeReady(parent, {
      remove: ['parked'],
      condition: '#parked = :waiting AND #childrenDone >= #childrenTotal',
      values: { ':waiting': 'waiting' },
    });
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
  if (finished) await jobEnded(ctx, finished);
}

/**
 * Re-derives a parked parent's counts from its children (their gsi4 `P#` partitions) and settles
 * it. Run by the sweeper for a parent that has waited a while with no child ending: a lost
 * increment (a crash between a child's end and its parent's count) is repaired here, and so
 * is a doubled one (an SDK retry of an increment that had landed), and a child counted twice
 * (an adoption repeated by a caller that read the child before another finished it, see
 * adoption.ts).
 *
 * The write is conditioned on the counts it read, so a child ending meanwhile makes it a
 * no-op; the next recount sees the new state. A child still being adopted counts once its
 * parent has (its id in `pendingAdoptions`); a stale id there, of a child already ready or of
 * an earlier run, counts as that child does. The recount runs only after the parent has been
 * quiet a while (the sweeper's `recountDue`), long after its children's index entries were
 * written, so it may lower the count of adopted children to what it finds.
 */
export async function recountChildren(ctx: EngineContext, parent: JobRecord): Promise<'settled' | 'unchanged' | 'raced'> {
  const { deps } = ctx;
  const counted = parent.pendingAdoptions ?? new Set<string>();
  const ids = [...(await childIds(deps, parent.id)), ...counted];
  const children = [...(await deps.jobs.getMany(ids)).values()].filter(
    (child) => (child.parentRun ?? 0) === parent.run && (!child.adopting || counted.has(child.id)),
  );
  const done = children.filter((child) => isEnded(child.status));
  const adopted = children.filter((child) => child.spawnSeq === undefined).length;
  // Spawns are written before the parent counts them and `spawned` is set, never added to, so
  // it is exact: an index entry not shown yet never lowers the total below it.
  const total = Math.max(children.length, (parent.spawned ?? 0) + adopted);
  const hasErrors = parent.hasErrors || done.some((child) => child.hasErrors);
  const now = deps.clock();
  const stale = done.length !== parent.childrenDone || total !== parent.childrenTotal || adopted !== (parent.adopted ?? 0) || hasErrors !== parent.hasErrors;
  const updated = await deps.jobs.tryUpdate(parent.id, {
    set: {
      recountedAt: now,
      ...(stale ? { childrenDone: done.length, childrenTotal: total, adopted, hasErrors, childrenChangedAt: now, recounts: 0 } : {}),
    },
    // Each recount that finds nothing waits twice as long for the next (see the sweeper).
    ...(stale ? {} : { add: { recounts: 1 } }),
    remove: ['recountOnPark'],
    condition: 'attribute_exists(#parked) AND #childrenDone = :done AND #childrenTotal = :total',
    values: { ':done': parent.childrenDone, ':total': parent.childrenTotal },
  });
  if (!updated) return 'raced';
  if (!stale) return 'unchanged';
  await settleParent(ctx, updated);
  return 'settled';
}

/** A recount that keeps racing with children ending is left to the sweeper after this many. */
const RECOUNTS_ON_PARK = 5;

/**
 * Recounts a parent that has just parked, when a retry asked for it (`recountOnPark`): a
 * retried child may have ended before the retry's write, its count refused by the then ended
 * parent, and the parent would otherwise wait for the sweeper's recount. A crash before this
 * leaves the flag and the sweeper's recount repairs the count, as for any lost increment.
 */
export async function recountIfRetried(ctx: EngineContext, parked: JobRecord): Promise<void> {
  let parent: JobRecord | undefined = parked;
  for (let attempt = 0; parent?.recountOnPark && parent.parked && attempt < RECOUNTS_ON_PARK; attempt++) {
    if ((await recountChildren(ctx, parent)) !== 'raced') return;
    parent = await ctx.deps.jobs.get(parent.id);
  }
}

/** Ids of a job's children, oldest first, all pages of every shard. */
export async function childIds(deps: EngineDeps, parentId: string): Promise<string[]> {
  const shards = await Promise.all(parentPartitions(parentId).map((partition) => deps.jobs.queryIndexAll({ index: 'gsi4', partition })));
  return shards
    .flat()
    .sort((a, b) => (a.gsi4sk! < b.gsi4sk! ? -1 : a.gsi4sk! > b.gsi4sk! ? 1 : 0))
    .map((key) => jobIdOfPk(key.pk!));
}

/**
 * Where a paged walk of a job's children stands: the shard it reads and DynamoDB's key within
 * it (none: the shard's start). A CASCADE job keeps it in a step's checkpoint between pages.
 */
export type ChildCursor = { shard: number; after?: Record<string, unknown> };

const CHILD_PAGE = 100;

/**
 * A walk's position from the cursor a page returned. A cursor stored before the children were
 * sharded is DynamoDB's key in the one partition there was (it holds `gsi4pk`), shard 0 now,
 * so a walk in flight during the deploy goes on there and then reads the other shards.
 */
function positionOf(cursor: Record<string, unknown> | undefined): { shard: number; after: Record<string, unknown> | undefined } {
  if (cursor === undefined) return { shard: 0, after: undefined };
  if ('gsi4pk' in cursor) return { shard: 0, after: cursor };
  const { shard, after } = cursor as ChildCursor;
  return { shard, after };
}

/**
 * One page of a job's children, shard after shard (a shard that runs out before the page is
 * full is followed by the next), and the cursor of the page after: undefined after the last
 * shard. The one paged walk of the children: CASCADE jobs' pages and `childPages`.
 */
export async function childPage(
  deps: EngineDeps,
  parentId: string,
  cursor: Record<string, unknown> | undefined,
): Promise<{ ids: string[]; next: ChildCursor | undefined }> {
  let { shard, after } = positionOf(cursor);
  const ids: string[] = [];
  for (; shard < CHILD_SHARDS; shard++, after = undefined) {
    if (ids.length === CHILD_PAGE) return { ids, next: { shard } };
    const page = await deps.jobs.queryIndex({
      index: 'gsi4',
      partition: parentPartition(parentId, shard),
      limit: CHILD_PAGE - ids.length,
      ...(after ? { startKey: after } : {}),
    });
    ids.push(...page.keys.map((key) => jobIdOfPk(key.pk!)));
    if (page.lastKey) return { ids, next: { shard, after: page.lastKey } };
  }
  return { ids, next: undefined };
}

/** A job's children a page at a time (gsi4, then BatchGet), for walks that act as they read. */
export async function* childPages(deps: EngineDeps, parentId: string): AsyncGenerator<JobRecord[]> {
  let cursor: ChildCursor | undefined;
  do {
    const page = await childPage(deps, parentId, cursor);
    yield [...(await deps.jobs.getMany(page.ids)).values()];
    cursor = page.next;
  } while (cursor);
}

/** Whether any child of the job is left in any shard. */
export async function hasChildren(deps: EngineDeps, parentId: string): Promise<boolean> {
  const heads = await Promise.all(parentPartitions(parentId).map((partition) => deps.jobs.queryIndex({ index: 'gsi4', partition, limit: 1 })));
  return heads.some((head) => head.keys.length > 0);
}

/** What `ctx.waitForChildren()` returns: the current run's children, in spawn order. */
export async function childOutcomes(deps: EngineDeps, parent: JobRecord): Promise<ChildOutcome[]> {
  const records = await deps.jobs.getMany(await childIds(deps, parent.id));
  return [...records.values()]
    .filter((child) => (child.parentRun ?? 0) === parent.run && !child.adopting)
    .sort((a, b) => (a.spawnSeq ?? 0) - (b.spawnSeq ?? 0) || a.createDate - b.createDate)
    .map((child) => ({
      id: child.id,
      type: child.type,
      status: child.status === 'CANCELED' ? 'CANCELED' : 'FINISHED',
      hasErrors: child.hasErrors,
      results: child.results ?? null,
    }));
}
