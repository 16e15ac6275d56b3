import { crashPoint } from '../crash-points.ts';
import { ConflictError } from '../errors.ts';
import { isEnded } from '../job.ts';
import { laneOf, type JobRecord } from '../job-record.ts';
import { CASCADE, CASCADE_INLINE_CHILDREN, clearCascade, markCascade } from './cascade-marker.ts';
import type { EngineContext } from './context.ts';
import { readySpec } from './dispatch-specs.ts';
import { childIds, childPage, childPages } from './job-tree.ts';
import { atVersion, bumpVersion, merge, statusSpec } from './transitions.ts';

/**
 * Retry re-runs a tree's failed work and nothing else, like Step Functions' redrive:
 *
 * - A job whose own run failed (`error` set) goes back to its ready set and replays from its
 *   checkpoints, so its finished steps return their stored results and the failed step runs
 *   again.
 * - Below it, every child of the current run that ended with a failure is retried the same
 *   way; children that finished well, and jobs that only logged an error, are left alone.
 * - A parent with a retried child replays too, even when its own run had completed (a parent
 *   keeps its last step's checkpoint for this, job-run.ts `flushFinal`): no step of it runs
 *   again, it waits for the retried children where it waited before, and what it computes
 *   from their outcomes outside steps (its results, typically) is computed afresh.
 * - The job keeps its id and run (so replayed spawns find their children), gains an attempt
 *   (`retries`), and keeps the logs of its earlier attempts.
 *
 * Retry starts at a root: a tree is one unit (its parents' counts and results include their
 * children), so a child alone answers 409 naming its root, as delete does.
 *
 * Order, bottom-up so that no parent waits on a child not yet retried: a marker, then each
 * subtree (children first, then the child's own write), then the root's own write, whose
 * children counts are read from the children after they were retried, then the marker goes.
 * A crash leaves the marker; the sweeper's redo walks again (cascade.ts). Only jobs that
 * ended before the retry was asked (`endDate ≤ since`) are retried, so a redo never retries
 * a job again that the first pass retried and that has since failed once more.
 */

/** A subtree retry that keeps racing with another writer is left after this many reads. */
const RETRIES_ON_RACE = 5;
/** Children retried at once. */
const PARALLELISM = 8;

/** The operation `retry` on a FINISHED job: its tree's failed work runs again. */
export async function retryJob(ctx: EngineContext, record: JobRecord): Promise<JobRecord | null> {
  if (record.parentId) {
    throw new ConflictError(`job ${record.id} is part of the tree of ${record.rootId}: retry that root job, which re-runs the failed jobs of its tree`, {
      jobId: record.id,
      operation: 'retry',
      rootId: record.rootId,
    });
  }
  if (!retryable(ctx, record)) {
    throw new ConflictError(`job type ${record.type} is not retryable`, { jobId: record.id, operation: 'retry' });
  }
  if (!record.hasErrors) {
    throw new ConflictError(`job ${record.id} finished without errors: there is no failed work to retry`, { jobId: record.id, operation: 'retry' });
  }
  if (record.childrenTotal === 0) {
    if (record.error === undefined) throw nothingFailed(record);
    return writeRetry(ctx, record, []);
  }
  const marker = await markCascade(ctx, record, 'retry');
  const retried = await retryRoot(ctx, record, marker.markedAt);
  await clearCascade(ctx, marker);
  if (retried === 'nothing') throw nothingFailed(record);
  return retried;
}

/**
 * A root's retry, asked at `since`: walked here, or handed to a CASCADE job for a wide tree,
 * which retries a page of children per step and writes the root last (`retryPage`); the root
 * is returned unchanged then. Its submission is idempotent per retry, so a redo starts no
 * second walk.
 */
export async function retryRoot(ctx: EngineContext, record: JobRecord, since: number): Promise<JobRecord | null | 'nothing'> {
  if (record.childrenTotal <= CASCADE_INLINE_CHILDREN || !ctx.deps.submitSystemJob) return retryTree(ctx, record, since);
  if (!failedBefore(ctx, record, since)) return 'nothing';
  await ctx.deps.submitSystemJob({
    type: CASCADE,
    tenant: record.tenant,
    data: { jobId: record.id, operation: 'retry', since },
    label: `Retry the failed jobs of ${record.label}`,
    idempotencyKey: `cascade:${record.id}:retry:${since}`,
  });
  return record;
}

/**
 * Retries the subtree below `record`, then `record` itself. Returns the job after its write,
 * null when it changed meanwhile (the caller reads again), or 'nothing' when no failed work
 * was found in it. Repeatable from any point (the sweeper's redo after a crash).
 */
export async function retryTree(ctx: EngineContext, record: JobRecord, since: number): Promise<JobRecord | null | 'nothing'> {
  if (!failedBefore(ctx, record, since)) return 'nothing';
  for await (const children of childPages(ctx.deps, record.id)) {
    const current = children.filter((child) => ofCurrentRun(record, child));
    for (let i = 0; i < current.length; i += PARALLELISM) await Promise.all(current.slice(i, i + PARALLELISM).map((child) => retryChild(ctx, child, since)));
  }
  return retryOwn(ctx, record, since);
}

/** One page of a wide tree's retry (a CASCADE job's step); the last page writes the root. */
export async function retryPage(
  ctx: EngineContext,
  rootId: string,
  since: number,
  startKey: Record<string, unknown> | undefined,
): Promise<Record<string, unknown> | undefined> {
  const { deps } = ctx;
  const root = await deps.jobs.get(rootId);
  if (!root || !failedBefore(ctx, root, since)) return undefined;
  const page = await childPage(deps, rootId, startKey);
  const children = [...(await deps.jobs.getMany(page.ids)).values()].filter((child) => ofCurrentRun(root, child));
  for (let i = 0; i < children.length; i += PARALLELISM) await Promise.all(children.slice(i, i + PARALLELISM).map((child) => retryChild(ctx, child, since)));
  if (page.next) return page.next;
  for (let attempt = 0; attempt < RETRIES_ON_RACE; attempt++) {
    const current = await deps.jobs.get(rootId);
    if (!current || (await retryOwn(ctx, current, since)) !== null) return undefined;
  }
  return undefined;
}

async function retryChild(ctx: EngineContext, first: JobRecord, since: number): Promise<void> {
  let child: JobRecord | undefined = first;
  for (let attempt = 0; child && attempt < RETRIES_ON_RACE; attempt++) {
    if ((await retryTree(ctx, child, since)) !== null) return;
    child = await ctx.deps.jobs.get(child.id);
  }
}

/** The job's own write, once its subtree is retried: null when it changed meanwhile. */
async function retryOwn(ctx: EngineContext, record: JobRecord, since: number): Promise<JobRecord | null | 'nothing'> {
  if (!failedBefore(ctx, record, since)) return 'nothing';
  const children =
    record.childrenTotal === 0
      ? []
      : [...(await ctx.deps.jobs.getMany(await childIds(ctx.deps, record.id))).values()].filter((child) => ofCurrentRun(record, child));
  // A child that is running again, or ended after the retry was asked, is one this retry re-ran.
  const childRetried = children.some((child) => !isEnded(child.status) || (child.endDate ?? 0) > since);
  if (record.error === undefined && !childRetried) return 'nothing';
  await crashPoint('retry.childrenRetried', { jobId: record.id, jobType: record.type });
  return writeRetry(ctx, record, children);
}

/**
 * FINISHED → PENDING in its ready set, to replay from its checkpoints; its children counts are
 * what the children say now, so it waits for the retried ones where it waited before.
 */
async function writeRetry(ctx: EngineContext, record: JobRecord, children: JobRecord[]): Promise<JobRecord | null> {
  const { deps, dispatcher } = ctx;
  const now = deps.clock();
  const done = children.filter((child) => isEnded(child.status));
  const attempt = (record.retries ?? 0) + 2;
  await dispatcher.touchLane(record, laneOf(record));
  const updated = await deps.jobs.tryUpdate(
    record.id,
    merge(statusSpec(record, 'PENDING'), readySpec(record, now), bumpVersion, atVersion(record.version), {
      set: {
        retries: attempt - 1,
        attempt: 0,
        lostSlices: 0,
        hasErrors: done.some((child) => child.hasErrors),
        childrenDone: done.length,
        childrenTotal: Math.max(record.childrenTotal, children.length),
        // A child read as not ended may end before this write, its count refused: recount at the park.
        ...(done.length < children.length ? { recountOnPark: true } : {}),
      },
      remove: ['endDate', 'expiresAt', 'error', 'deadlineAt', 'timedOut'],
    }),
  );
  if (!updated) return null;
  ctx.counters.bucketMoved(record, 'failed', 'active');
  // After the write: a crash before it leaves no line announcing an attempt that never began.
  await deps.logs.append(record.id, [
    { timestamp: now, level: 'INFO', message: `attempt ${attempt}: retrying the failed work; finished steps keep their results`, additionalInfo: { attempt } },
  ]);
  await dispatcher.pumpRoot(updated.rootId, laneOf(updated));
  return updated;
}

/** Ended with errors before the retry was asked, and of a type that may be retried. */
function failedBefore(ctx: EngineContext, record: JobRecord, since: number): boolean {
  return record.status === 'FINISHED' && record.hasErrors && (record.endDate ?? 0) <= since && !record.deleting && retryable(ctx, record);
}

function retryable(ctx: EngineContext, record: JobRecord): boolean {
  return ctx.deps.registry.get(record.type)?.retryable ?? false;
}

function ofCurrentRun(parent: JobRecord, child: JobRecord): boolean {
  return (child.parentRun ?? 0) === parent.run && !child.adopting;
}

function nothingFailed(record: JobRecord): ConflictError {
  return new ConflictError(`job ${record.id} has no failed work to retry: it logged errors, but no step of it or of its children failed`, {
    jobId: record.id,
    operation: 'retry',
  });
}
