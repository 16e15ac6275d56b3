import { crashPoint } from '../crash-points.ts';
import { isEnded } from '../job.ts';
import { laneOf, type JobRecord } from '../job-record.ts';
import { cascadeShard, dispatchSetOf, SHARDS } from '../store/table-keys.ts';
import { waitingSpec } from './delayed-start.ts';
import { readySpec } from './dispatch-specs.ts';
import { CASCADE, CASCADE_INLINE_CHILDREN, clearCascade, type CascadeMarker, type CascadeOperation } from './cascade-marker.ts';
import type { EngineContext } from './context.ts';
import { expiresAt } from './deps.ts';
import { childIds, jobEnded } from './job-tree.ts';
import { stopNow } from './slice-outcomes.ts';
import { askToStop, atVersion, bucketOf, bumpVersion, endSpec, merge, statusSpec } from './transitions.ts';
import { deleteTree, removeLeftovers } from './tree-delete.ts';
import { retryRoot } from './retry.ts';

/**
 * Stop, resume and cancel act on a job's unfinished descendants too. Walking a tree is many
 * writes, so an operation over a tree is made durable by a marker item (`X#<shard>` /
 * `<job id>`) written before the job changes and deleted after its last descendant was
 * reached. A crash in between leaves the marker; the sweeper redoes the walk once the marker
 * is older than the settle grace (engine tuning), so a request still walking is not doubled
 * (`finishCascades`). Every step of the walk reads the child
 * and writes conditionally on its version, so doing it twice changes nothing the first
 * pass did.
 *
 * A tree wider than CASCADE_INLINE_CHILDREN is handed to a CASCADE system job (engine.ts),
 * which walks it page by page in steps, so no api request outlives its timeout half done.
 * Its submission is idempotent per marker, so the sweeper's redo starts no second job.
 */
const WALK_LABELS: Record<CascadeOperation, string> = {
  stop: 'Stop',
  resume: 'Resume',
  cancel: 'Cancel',
  'set-low-priority': 'Set low priority on',
  'remove-low-priority': 'Remove low priority from',
};
/** Children changed at once: each is a few conditional writes; more would only queue on DynamoDB. */
const CASCADE_PARALLELISM = 8;
/** A child that keeps changing under the walk is left after this many reads; its own operation stands. */
const CHILD_RETRIES = 5;

/**
 * The walk of one operation below `parent`: inline, or handed to a CASCADE job for a wide
 * tree. `walk` names this walk (the marker's time, or the version the job had when the
 * operation reached it), so a repeated walk hands off to the same job, and a later operation
 * to a new one.
 */
export async function cascadeToChildren(ctx: EngineContext, parent: JobRecord, operation: CascadeOperation, walk: number): Promise<void> {
  // A child still being adopted is not counted yet; its adoption refuses a canceled parent.
  if (parent.childrenTotal === 0) return;
  const { deps } = ctx;
  if (parent.childrenTotal > CASCADE_INLINE_CHILDREN && deps.submitSystemJob) {
    await deps.submitSystemJob({
      type: CASCADE,
      tenant: parent.tenant,
      data: { jobId: parent.id, operation },
      label: `${WALK_LABELS[operation]} the descendants of ${parent.label}`,
      idempotencyKey: `cascade:${parent.id}:${operation}:${walk}`,
    });
    return;
  }
  await cascadeToIds(ctx, await childIds(deps, parent.id), operation);
}

/** Applies the operation to these children and, through each, to its own descendants. */
export async function cascadeToIds(ctx: EngineContext, ids: readonly string[], operation: CascadeOperation): Promise<void> {
  for (let i = 0; i < ids.length; i += 100) {
    const children = [...(await ctx.deps.jobs.getMany(ids.slice(i, i + 100))).values()];
    for (let j = 0; j < children.length; j += CASCADE_PARALLELISM) {
      await Promise.all(children.slice(j, j + CASCADE_PARALLELISM).map((child) => cascadeChild(ctx, child, operation)));
    }
  }
}

async function cascadeChild(ctx: EngineContext, first: JobRecord, operation: CascadeOperation): Promise<void> {
  let child: JobRecord | undefined = first;
  for (let attempt = 0; child && attempt < CHILD_RETRIES; attempt++) {
    const step = await STEPS[operation](ctx, child);
    if (step === 'raced') {
      child = await ctx.deps.jobs.get(child.id);
      continue;
    }
    if (step !== 'skip') await cascadeToChildren(ctx, step, operation, step.version);
    return;
  }
}

type Step = (ctx: EngineContext, child: JobRecord) => Promise<JobRecord | 'skip' | 'raced'>;

const STEPS: Record<CascadeOperation, Step> = {
  /** PENDING and parked children stop at once; a working one is asked to stop at its next step. */
  async stop(ctx, child) {
    if (child.adopting || (child.status !== 'PENDING' && child.status !== 'RUNNING')) return 'skip';
    if (isWorking(ctx, child)) {
      return (await ctx.deps.jobs.tryUpdate(child.id, merge(askToStop(child), bumpVersion, atVersion(child.version)))) ?? 'raced';
    }
    return (await stopNow(ctx, child)) ?? 'raced';
  },
  /** STOPPED children go back to their ready sets; STOPPING ones, not yet stopped, go on running. */
  async resume(ctx, child) {
    if (child.status === 'STOPPED') return (await resumeJob(ctx, child)) ?? 'raced';
    if (child.status === 'STOPPING' && !child.cancelRequested) {
      return (await ctx.deps.jobs.tryUpdate(child.id, merge(statusSpec(child, 'RUNNING'), bumpVersion, atVersion(child.version)))) ?? 'raced';
    }
    return 'skip';
  },
  'set-low-priority': (ctx, child) => priorityStep(ctx, child, true),
  'remove-low-priority': (ctx, child) => priorityStep(ctx, child, false),
  /** Unfinished children end CANCELED; a working one is asked to stop and cancels when it does. */
  async cancel(ctx, child) {
    if (isEnded(child.status)) return 'skip';
    if (child.adopting) {
      // Not yet part of the tree (adoption.ts): it never joins a canceled parent.
      if (await ctx.deps.jobs.deleteJobIf(child.id, '#adopting = :yes', { ':yes': true })) ctx.counters.jobDeleted(child, bucketOf(child));
      return 'skip';
    }
    if (child.status === 'CANCELING') return (await finishCancel(ctx, child)) ?? 'raced';
    if (child.status === 'STOPPED') {
      const canceling = await ctx.deps.jobs.tryUpdate(child.id, merge(statusSpec(child, 'CANCELING'), bumpVersion, atVersion(child.version)));
      return canceling ? ((await finishCancel(ctx, canceling)) ?? 'raced') : 'raced';
    }
    const asked = await ctx.deps.jobs.tryUpdate(
      child.id,
      merge(isWorking(ctx, child) && child.status === 'RUNNING' ? askToStop(child) : {}, bumpVersion, atVersion(child.version), {
        set: { cancelRequested: true },
      }),
    );
    if (!asked) return 'raced';
    // Held by no worker (pending, parked, or its worker died): it ends now. A working one
    // ends CANCELED at its next step boundary (slice-outcomes.ts).
    if (isWorking(ctx, asked) || asked.status === 'STOPPING') return asked;
    return (await stopNow(ctx, asked)) ?? 'raced';
  },
};

/** Unfinished children take the flag; the walk goes on below one that already has it. */
async function priorityStep(ctx: EngineContext, child: JobRecord, low: boolean): Promise<JobRecord | 'skip' | 'raced'> {
  if (isEnded(child.status)) return 'skip';
  return (await setPriority(ctx, child, low)) ?? 'raced';
}

/** Moves a job between the lanes; a queued one moves its ready entry too (lane touched first). */
export async function setPriority(ctx: EngineContext, record: JobRecord, lowPriority: boolean): Promise<JobRecord | null> {
  if (record.lowPriority === lowPriority) return record;
  const { deps, dispatcher } = ctx;
  const moved = { ...record, lowPriority };
  const queued = dispatchSetOf(record) === 'ready';
  if (queued) await dispatcher.touchLane(moved, laneOf(moved));
  const updated = await deps.jobs.tryUpdate(
    record.id,
    merge(queued ? readySpec(moved, deps.clock()) : {}, bumpVersion, atVersion(record.version), { set: { lowPriority } }),
  );
  if (updated && queued) await dispatcher.pump();
  return updated;
}

/** A worker holds the job and will see a change at its next step boundary. */
function isWorking(ctx: EngineContext, record: JobRecord): boolean {
  return record.leaseExpiresAt !== undefined && record.leaseExpiresAt > ctx.deps.clock();
}

/**
 * STOPPED → PENDING in its ready set (lane touched first); the run continues from its
 * checkpoints. A job stopped before its `runAt` goes back to waiting for it (delayed-start.ts).
 */
export async function resumeJob(ctx: EngineContext, record: JobRecord): Promise<JobRecord | null> {
  const { deps, dispatcher } = ctx;
  const now = deps.clock();
  const { spec, delayed } = waitingSpec(record, now);
  if (!delayed) await dispatcher.touchLane(record, laneOf(record));
  const resumed = await deps.jobs.tryUpdate(
    record.id,
    merge(statusSpec(record, 'PENDING'), spec, bumpVersion, atVersion(record.version), {
      set: { attempt: 0, lostSlices: 0, ...deadlineAfterStop(record, now) },
      remove: ['endDate', 'expiresAt'],
    }),
  );
  if (resumed && !delayed) await dispatcher.pumpRoot(resumed.rootId, laneOf(resumed));
  return resumed;
}

/**
 * A timeout bounds the time a job runs, and a stop is an operator's pause: the time the job
 * spent STOPPED (since its `endDate`, the stop) is added to its deadline.
 */
function deadlineAfterStop(record: JobRecord, now: number): { deadlineAt?: number } {
  if (record.status !== 'STOPPED' || record.deadlineAt === undefined || record.endDate === undefined) return {};
  return { deadlineAt: record.deadlineAt + Math.max(0, now - record.endDate) };
}

/**
 * CANCELING → CANCELED: cancels the descendants, discards the checkpoints, then ends the job.
 * Safe to repeat from any point (the sweeper does, after a crash).
 */
export async function finishCancel(ctx: EngineContext, canceling: JobRecord): Promise<JobRecord | null> {
  const { deps } = ctx;
  await cascadeToChildren(ctx, canceling, 'cancel', canceling.version);
  await crashPoint('cascade.childrenDone', { jobId: canceling.id, jobType: canceling.type });
  await deps.checkpoints.clear(canceling.id);
  const now = deps.clock();
  const canceled = await deps.jobs.tryUpdate(canceling.id, merge(endSpec(canceling, 'CANCELED', now, expiresAt(deps, now)), atVersion(canceling.version)));
  if (!canceled) return null;
  await crashPoint('cascade.ended', { jobId: canceled.id, jobType: canceled.type });
  await jobEnded(ctx, canceled);
  return canceled;
}

/**
 * The sweeper's part: redoes every walk a crash interrupted. A marker whose job has moved on
 * (resumed after a stop, say) is only cleared: its walk is no longer wanted.
 */
export async function finishCascades(ctx: EngineContext): Promise<number> {
  const { deps } = ctx;
  const settledBefore = deps.clock() - deps.tuning.settleGraceMs;
  let finished = 0;
  for (let shard = 0; shard < SHARDS; shard++) {
    for (const item of await deps.jobs.queryPartitionAll(cascadeShard(shard), '', { consistent: true })) {
      const marker = item as unknown as CascadeMarker;
      if (marker.markedAt > settledBefore) continue;
      if (!(await redo(ctx, await deps.jobs.get(marker.jobId), marker))) continue;
      await clearCascade(ctx, marker);
      finished++;
    }
  }
  return finished;
}

/** False when the walk is not done yet: its marker stays, for the next sweep. */
async function redo(ctx: EngineContext, record: JobRecord | undefined, marker: CascadeMarker): Promise<boolean> {
  if (marker.operation === 'delete') {
    // A member that has not ended keeps the tree, and the marker, until it has.
    if (record?.deleting) return deleteTree(ctx, record, marker);
    // Gone already: what it left, a root's lane items included (a query that finds none otherwise).
    if (!record) await removeLeftovers(ctx, marker.jobId, true);
    return true;
  }
  await redoOver(ctx, record, marker);
  return true;
}

/** The other operations' walks, redone once, as far as the job's status still wants them. */
async function redoOver(ctx: EngineContext, record: JobRecord | undefined, marker: CascadeMarker): Promise<void> {
  if (!record) return;
  switch (marker.operation) {
    case 'retry':
      await retryRoot(ctx, record, marker.markedAt);
      return;
    case 'stop':
      if (record.status === 'STOPPED' || record.status === 'STOPPING') await cascadeToChildren(ctx, record, 'stop', marker.markedAt);
      return;
    case 'resume':
      if (record.status === 'PENDING' || record.status === 'RUNNING') await cascadeToChildren(ctx, record, 'resume', marker.markedAt);
      return;
    case 'cancel':
      if (record.status === 'CANCELING') await finishCancel(ctx, record);
      return;
    case 'set-low-priority':
    case 'remove-low-priority':
      if (!isEnded(record.status) && record.lowPriority === (marker.operation === 'set-low-priority')) {
        await cascadeToChildren(ctx, record, marker.operation, marker.markedAt);
      }
      return;
  }
}
