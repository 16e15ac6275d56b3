import { ConflictError } from '../errors.ts';
import { isEnded } from '../job.ts';
import type { JobRecord } from '../job-record.ts';
import { checkpointPrefix, jobPartition, logPrefix, rootLanesOf } from '../store/table-keys.ts';
import { crashPoint } from '../crash-points.ts';
import type { EngineContext } from './context.ts';
import { CASCADE, CASCADE_INLINE_CHILDREN, clearCascade, markCascade, type CascadeMarker } from './cascade-marker.ts';
import { childPage, childPages, hasChildren } from './job-tree.ts';
import { atVersion, bucketOf, bumpVersion, merge } from './transitions.ts';

/**
 * A tree is removed whole: deleting a root removes its descendants, with their logs,
 * checkpoints and counter contributions, and a child cannot be deleted on its own (its
 * parent's counts and results include it; 409 names the root). A tree with any unfinished
 * member is refused with 409 naming it, so Clear inactive leaves such trees whole.
 *
 * Order: marker, root flagged `deleting` (conditional on its version and ended status),
 * descendants depth first, each removed by a conditional delete of an ended item, then the
 * root, then the marker. The flagged root keeps the tree findable through gsi4 until the
 * end, so the sweeper's redo of the marker (cascade.ts) walks what a crash left. A tree
 * wider than CASCADE_INLINE_CHILDREN is handed to a CASCADE job, whose last page removes
 * the root.
 */
const ENDED = { condition: '#status = :finished OR #status = :canceled', values: { ':finished': 'FINISHED', ':canceled': 'CANCELED' } };

export async function deleteJob(ctx: EngineContext, record: JobRecord): Promise<'deleted' | null> {
  if (record.parentId) {
    throw new ConflictError(`job ${record.id} is part of the tree of ${record.rootId}: delete that root job to remove the tree`, {
      jobId: record.id,
      operation: 'delete',
      rootId: record.rootId,
    });
  }
  if (!isEnded(record.status)) return null;
  const unfinished = await unfinishedDescendant(ctx, record.id);
  if (unfinished) {
    throw new ConflictError(`job ${unfinished.id} of this tree is still ${unfinished.status}: the tree can be deleted once every job in it has ended`, {
      jobId: record.id,
      operation: 'delete',
      unfinishedId: unfinished.id,
    });
  }
  const marker = await markCascade(ctx, record, 'delete');
  const flagged = await ctx.deps.jobs.tryUpdate(record.id, merge(bumpVersion, atVersion(record.version), { set: { deleting: true }, ...ENDED }));
  if (!flagged) return null;
  await crashPoint('cascade.applied', { jobId: record.id, jobType: record.type });
  await deleteTree(ctx, flagged, marker);
  return 'deleted';
}

/**
 * Removes a flagged root's descendants and then the root; repeatable from any point. False
 * while a member that has not ended is left, with the root and the marker.
 */
export async function deleteTree(ctx: EngineContext, flagged: JobRecord, marker: CascadeMarker): Promise<boolean> {
  const { deps } = ctx;
  if (flagged.childrenTotal > CASCADE_INLINE_CHILDREN && deps.submitSystemJob) {
    // One walk per marker: a repeated hand-off finds its walk, and a marker the walk's last
    // page set again (a member left) starts a new one.
    await deps.submitSystemJob({
      type: CASCADE,
      tenant: flagged.tenant,
      data: { jobId: flagged.id, operation: 'delete' },
      label: `Delete the tree of ${flagged.label}`,
      idempotencyKey: `cascade:${flagged.id}:delete:${marker.markedAt}`,
    });
    return true;
  }
  // A member restarted between the check and the walk is left, with the root and the marker:
  // the sweeper's redo removes them once it has ended.
  if ((await deleteDescendants(ctx, flagged.id)) > 0) return false;
  await removeJob(ctx, flagged);
  await clearCascade(ctx, marker);
  return true;
}

/** One page of a wide tree's removal (a CASCADE job's step); the last page removes the root. */
export async function deletePage(
  ctx: EngineContext,
  rootId: string,
  startKey: Record<string, unknown> | undefined,
): Promise<Record<string, unknown> | undefined> {
  const page = await childPage(ctx.deps, rootId, startKey);
  await deleteChildren(ctx, (await ctx.deps.jobs.getMany(page.ids)).values());
  if (page.next) return page.next;
  const root = await ctx.deps.jobs.get(rootId);
  if (!root?.deleting) return undefined;
  // A member restarted during the walk is still below the root: the root stays, and a new
  // marker has the sweeper walk the tree again once it has ended. An index entry of a child
  // just removed costs no more than that walk, which then finds nothing and removes the root.
  if (await hasChildren(ctx.deps, rootId)) await markCascade(ctx, root, 'delete');
  else await removeJob(ctx, root);
  return undefined;
}

/** Removes every ended member below `parentId`, depth first; returns how many were left. */
async function deleteDescendants(ctx: EngineContext, parentId: string): Promise<number> {
  let left = 0;
  for await (const children of childPages(ctx.deps, parentId)) left += await deleteChildren(ctx, children);
  return left;
}

async function deleteChildren(ctx: EngineContext, children: Iterable<JobRecord>): Promise<number> {
  let left = 0;
  for (const child of children) {
    const below = isEnded(child.status) ? await deleteDescendants(ctx, child.id) : 1;
    if (below > 0) left += below;
    // One restarted since it was read keeps its item: it is left like any unfinished member,
    // or its parent would be removed from under it.
    else if (!(await removeJob(ctx, child))) left++;
  }
  return left;
}

/**
 * Logs and checkpoints, then the item; counted out once, by whoever removes the item (false
 * when the item is no longer there to remove as ended: restarted, or gone already). A
 * schedule's run first has its end written to its run record (if a crash kept it from being
 * written when the job ended), since the schedule's pages read it from there once the job is gone.
 */
async function removeJob(ctx: EngineContext, record: JobRecord): Promise<boolean> {
  if (record.scheduleId && ctx.deps.runRemoved) await ctx.deps.runRemoved(record);
  await removeLeftovers(ctx, record.id, record.id === record.rootId);
  await crashPoint('delete.partitionsCleared', { jobId: record.id, jobType: record.type });
  if (!(await ctx.deps.jobs.deleteJobIf(record.id, ENDED.condition, ENDED.values))) return false;
  ctx.counters.jobDeleted(record, bucketOf(record));
  return true;
}

/**
 * What a job leaves beside its item: its logs and checkpoints (in its partition) and, for a
 * root, its lane items. Nothing else removes them — TTL takes the job's item alone (expiry.ts)
 * — and a delete asked for now should not leave them readable.
 */
export async function removeLeftovers(ctx: EngineContext, jobId: string, isRoot: boolean): Promise<void> {
  await ctx.deps.jobs.deletePartition(jobPartition(jobId), logPrefix);
  await ctx.deps.jobs.deletePartition(jobPartition(jobId), checkpointPrefix);
  if (!isRoot) return;
  const lanes = rootLanesOf(jobId);
  for (const pk of lanes.pks) await ctx.deps.jobs.deletePartition(pk, lanes.prefix);
}

/** The first member below `parentId` that has not ended, if any. */
async function unfinishedDescendant(ctx: EngineContext, parentId: string): Promise<JobRecord | undefined> {
  for await (const children of childPages(ctx.deps, parentId)) {
    for (const child of children) {
      if (!isEnded(child.status)) return child;
      const below = child.childrenTotal > 0 ? await unfinishedDescendant(ctx, child.id) : undefined;
      if (below) return below;
    }
  }
  return undefined;
}
