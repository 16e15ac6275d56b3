import type { TenantScope } from '../auth/tenant-scope.ts';
import type { CounterBatch } from '../store/counter-store.ts';
import { crashPoint } from '../crash-points.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { isEnded, type Job } from '../job.ts';
import { laneOf, toJob, type JobRecord } from '../job-record.ts';
import { assertAllowed, type Operation } from '../lifecycle.ts';
import { cascadeToChildren, finishCancel, resumeJob, setPriority } from './cascade.ts';
import { clearCascade, markCascade, type CascadeOperation } from './cascade-marker.ts';
import { deleteJob } from './tree-delete.ts';
import { retryJob } from './retry.ts';
import type { EngineContext } from './context.ts';
import { expiresAt, type EngineDeps } from './deps.ts';
import { jobEnded } from './job-tree.ts';
import { readySpec } from './dispatch-specs.ts';
import type { Dispatcher } from './dispatcher.ts';
import { stopNow } from './slice-outcomes.ts';
import { askToStop, atVersion, bucketOf, bumpVersion, endSpec, merge, statusSpec } from './transitions.ts';

/** Operations retry a lost race with a worker this many times before answering 409. */
const RACE_RETRIES = 5;

export class Operations {
  constructor(
    readonly deps: EngineDeps,
    readonly dispatcher: Dispatcher,
  ) {}

  async load(id: string, scope: TenantScope): Promise<JobRecord> {
    const record = await this.deps.jobs.get(id);
    // Another tenant's job answers exactly like a missing one: ids are not an oracle.
    if (!record || ('tenant' in scope && record.tenant !== scope.tenant)) throw new NotFoundError(`job ${id} not found`);
    return record;
  }

  /**
   * Applies an operation; returns the job after it, or null for delete. Each attempt reads
   * the job and writes conditionally on the version it read: a writer that committed in
   * between (a worker, another operation) makes the write fail, and the operation is judged
   * again against what that writer left — allowed, or a 409.
   */
  async apply(operation: Operation, id: string, scope: TenantScope, counters: CounterBatch): Promise<Job | null> {
    const ctx: EngineContext = { deps: this.deps, dispatcher: this.dispatcher, counters };
    for (let attempt = 0; attempt < RACE_RETRIES; attempt++) {
      const record = await this.load(id, scope);
      if (record.adopting) throw new ConflictError(`job ${id} is still joining its parent; try again in a moment`, { jobId: id, operation });
      if (record.deleting) throw new ConflictError(`job ${id} is being deleted`, { jobId: id, operation });
      assertAllowed(operation, record.status, id);
      await crashPoint('operation.loaded', { jobId: id, jobType: record.type });
      const done = await this.#once(ctx, operation, record);
      if (done === 'deleted') return null;
      if (done) return toJob(done, this.deps.clock());
    }
    throw new ConflictError(`job ${id} kept changing while ${operation} was applied; try again`, { jobId: id, operation });
  }

  /** One conditional attempt; null when the job changed underneath (the caller re-reads). */
  async #once(ctx: EngineContext, operation: Operation, record: JobRecord): Promise<JobRecord | 'deleted' | null> {
    switch (operation) {
      case 'stop':
        return this.#overTree(ctx, record, 'stop', () => this.#stop(ctx, record));
      case 'resume':
        return this.#overTree(ctx, record, 'resume', () => resumeJob(ctx, record));
      case 'cancel':
        return this.#cancel(ctx, record);
      case 'force-stop':
        return this.#forceStop(record);
      case 'restart':
        return this.#restart(ctx, record);
      case 'retry':
        return retryJob(ctx, record);
      case 'set-low-priority':
      case 'remove-low-priority':
        // The unfinished subtree moves with its root; children spawned later inherit the flag.
        return this.#overTree(ctx, record, operation, () => setPriority(ctx, record, operation === 'set-low-priority'));
      case 'delete':
        return deleteJob(ctx, record);
    }
  }

  /**
   * An operation that reaches the job's descendants: marked durable first (cascade.ts), so a
   * crash anywhere in the walk is finished by the sweeper.
   */
  async #overTree(ctx: EngineContext, record: JobRecord, operation: CascadeOperation, change: () => Promise<JobRecord | null>): Promise<JobRecord | null> {
    if (record.childrenTotal === 0) return change();
    const marker = await markCascade(ctx, record, operation);
    const changed = await change();
    if (!changed) return null;
    await crashPoint('cascade.applied', { jobId: record.id, jobType: record.type });
    await cascadeToChildren(ctx, changed, operation, marker.markedAt);
    await crashPoint('cascade.childrenDone', { jobId: record.id, jobType: record.type });
    await clearCascade(ctx, marker);
    return changed;
  }

  async #stop(ctx: EngineContext, record: JobRecord): Promise<JobRecord | null> {
    const working = record.status === 'RUNNING' && record.leaseExpiresAt !== undefined && record.leaseExpiresAt > this.deps.clock();
    // A worker holds the job: it stops at its next step boundary (or, if not stoppable, when done).
    if (working) return this.deps.jobs.tryUpdate(record.id, merge(askToStop(record), bumpVersion, atVersion(record.version)));
    return stopNow(ctx, record);
  }

  /**
   * STOPPED → CANCELING → CANCELED. A job without children ends in one write; a tree is
   * marked first and walked (cascade.ts `finishCancel`), so a crash leaves a marker the
   * sweeper finishes instead of a tree CANCELING for good.
   */
  async #cancel(ctx: EngineContext, record: JobRecord): Promise<JobRecord | null> {
    if (record.childrenTotal === 0) {
      const now = this.deps.clock();
      const canceled = await this.deps.jobs.tryUpdate(record.id, merge(endSpec(record, 'CANCELED', now, expiresAt(this.deps, now)), atVersion(record.version)));
      if (!canceled) return null;
      // A crash before these leaves checkpoints nothing reads any more; they go when the job is deleted or expires (expiry.ts).
      await this.deps.checkpoints.clear(record.id);
      await jobEnded(ctx, canceled);
      return canceled;
    }
    const marker = await markCascade(ctx, record, 'cancel');
    const canceling = await this.deps.jobs.tryUpdate(record.id, merge(statusSpec(record, 'CANCELING'), bumpVersion, atVersion(record.version)));
    if (!canceling) return null;
    await crashPoint('cascade.applied', { jobId: record.id, jobType: record.type });
    const canceled = await finishCancel(ctx, canceling);
    await clearCascade(ctx, marker);
    return canceled;
  }

  /** Revokes the lease by bumping its epoch: the old worker's next conditional write fails. */
  async #forceStop(record: JobRecord): Promise<JobRecord | null> {
    return this.deps.jobs.tryUpdate(
      record.id,
      merge(endSpec(record, 'STOPPED', this.deps.clock()), atVersion(record.version), {
        setRaw: { leaseEpoch: '#leaseEpoch + :one' },
        remove: ['cancelRequested'],
      }),
    );
  }

  async #restart(ctx: EngineContext, record: JobRecord): Promise<JobRecord | null> {
    const definition = this.deps.registry.get(record.type);
    if (!definition?.restartable) {
      throw new ConflictError(`job type ${record.type} is not restartable`, { jobId: record.id, operation: 'restart' });
    }
    await this.#assertParentEnded(record);
    await this.deps.checkpoints.clear(record.id);
    await this.dispatcher.touchLane(record, laneOf(record));
    const updated = await this.deps.jobs.tryUpdate(
      record.id,
      merge(statusSpec(record, 'PENDING'), readySpec(record, this.deps.clock()), bumpVersion, atVersion(record.version), {
        set: { attempt: 0, retries: 0, lostSlices: 0, progress: 0, childrenTotal: 0, childrenDone: 0, spawned: 0, adopted: 0, hasErrors: false },
        setRaw: { run: '#run + :one' },
        remove: ['startDate', 'endDate', 'results', 'error', 'expiresAt', 'deadlineAt', 'timedOut'],
      }),
    );
    if (!updated) return null;
    ctx.counters.bucketMoved(record, bucketOf(record), 'active');
    await this.dispatcher.pumpRoot(updated.rootId, laneOf(updated));
    return updated;
  }

  /**
   * A child's end is counted once on its parent's run. Restarted while that run is still
   * going, it would be counted again when it ends, and the parent would go on before all its
   * children had ended; after the parent ended (or restarted) its end counts nowhere.
   */
  async #assertParentEnded(record: JobRecord): Promise<void> {
    if (!record.parentId) return;
    const parent = await this.deps.jobs.get(record.parentId);
    if (!parent || isEnded(parent.status) || parent.run !== (record.parentRun ?? 0)) return;
    throw new ConflictError(
      `cannot restart job ${record.id}: its parent ${parent.id} is ${parent.status} and has counted it as done; restart it once the parent has ended`,
      {
        jobId: record.id,
        operation: 'restart',
      },
    );
  }
}
