import type { CounterBatch } from '../counter-store.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { isEnded, type Job, type JobStatus } from '../job.ts';
import { laneOf, toJob, type JobRecord } from '../job-record.ts';
import { assertAllowed, type Operation } from '../lifecycle.ts';
import { childIds, jobEnded } from './children.ts';
import { expiresAt, type EngineDeps } from './deps.ts';
import { readySpec, type Dispatcher } from './dispatcher.ts';
import { stopNow } from './slice-outcomes.ts';
import { atVersion, bucketOf, bumpVersion, endSpec, merge, statusSpec } from './transitions.ts';
import { submit } from './submit.ts';
import { BULK_OPERATION } from '../system-jobs/bulk-operation.ts';

/** Who may see a job: one tenant, or every tenant (system admins). */
export type TenantScope = { tenant: string } | { allTenants: true };

/** Operations retry a lost race with a worker this many times before answering 409. */
const RACE_RETRIES = 5;
/** Descendants are walked with bounded parallelism so a wide tree does not flood DynamoDB. */
const CASCADE_PARALLELISM = 8;
/** Wider trees cascade through a BULK_OPERATION system job (see #cascade). */
export const CASCADE_INLINE_CHILDREN = 500;

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

  async apply(operation: Operation, id: string, scope: TenantScope, counters: CounterBatch): Promise<Job | null> {
    for (let attempt = 0; attempt < RACE_RETRIES; attempt++) {
      const record = await this.load(id, scope);
      assertAllowed(operation, record.status, id);
      const done = await this.#once(operation, record, counters);
      if (done === 'deleted') return null;
      if (done) return toJob(done, this.deps.clock());
    }
    throw new ConflictError(`job ${id} kept changing while ${operation} was applied; try again`, { jobId: id, operation });
  }

  /** One conditional attempt; null when the job changed underneath (the caller re-reads). */
  async #once(operation: Operation, record: JobRecord, counters: CounterBatch): Promise<JobRecord | 'deleted' | null> {
    switch (operation) {
      case 'stop':
        return this.#stop(record, counters);
      case 'resume':
        return this.#resume(record, counters);
      case 'force-stop':
        return this.#forceStop(record);
      case 'cancel':
        return this.#cancel(record, counters);
      case 'restart':
        return this.#restart(record, counters);
      case 'set-low-priority':
        return this.#setLowPriority(record, true);
      case 'remove-low-priority':
        return this.#setLowPriority(record, false);
      case 'delete':
        return this.#delete(record, counters);
    }
  }

  async #stop(record: JobRecord, counters: CounterBatch): Promise<JobRecord | null> {
    const working = record.status === 'RUNNING' && record.leaseExpiresAt !== undefined && record.leaseExpiresAt > this.deps.clock();
    let updated: JobRecord | null;
    if (working) {
      // A worker holds the job: it stops at its next step boundary (or, if not stoppable, when done).
      updated = await this.deps.jobs.tryUpdate(record.id, merge(statusSpec(record, 'STOPPING'), bumpVersion, atVersion(record.version)));
    } else {
      updated = (await stopNow(this.deps, this.dispatcher, counters, record)) ? ((await this.deps.jobs.get(record.id)) ?? null) : null;
    }
    if (updated) await this.#cascade(record, ['PENDING', 'RUNNING'], 'stop', counters);
    return updated;
  }

  async #resume(record: JobRecord, counters: CounterBatch): Promise<JobRecord | null> {
    const updated = await this.deps.jobs.tryUpdate(
      record.id,
      merge(statusSpec(record, 'PENDING'), readySpec(record, this.deps.clock()), bumpVersion, atVersion(record.version), {
        set: { attempt: 0, lostSlices: 0 },
        remove: ['endDate', 'expiresAt'],
      }),
    );
    if (!updated) return null;
    await this.#cascade(record, ['STOPPED'], 'resume', counters);
    await this.dispatcher.touchLane(updated.rootId, laneOf(updated));
    await this.dispatcher.pumpRoot(updated.rootId, laneOf(updated));
    return updated;
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

  async #cancel(record: JobRecord, counters: CounterBatch): Promise<JobRecord | null> {
    const canceling = await this.deps.jobs.tryUpdate(record.id, merge(statusSpec(record, 'CANCELING'), bumpVersion, atVersion(record.version)));
    if (!canceling) return null;
    await this.#cancelDescendants(record.id, counters);
    await this.deps.checkpoints.clear(record.id);
    const now = this.deps.clock();
    const canceled = await this.deps.jobs.tryUpdate(
      record.id,
      merge(endSpec(canceling, 'CANCELED', now, expiresAt(this.deps, now)), atVersion(canceling.version)),
    );
    if (!canceled) return null;
    await jobEnded(this.deps, this.dispatcher, counters, canceled);
    return canceled;
  }

  /** Unfinished descendants end as CANCELED; a running one is asked to stop and cancels when it does. */
  async #cancelDescendants(parentId: string, counters: CounterBatch): Promise<void> {
    await this.#eachChild(parentId, async (child) => {
      if (isEnded(child.status) || child.status === 'CANCELING') return;
      if (child.status === 'STOPPED') {
        await this.apply('cancel', child.id, { allTenants: true }, counters).catch(ignoreConflict);
        return;
      }
      if (child.status === 'PENDING' || (child.status === 'RUNNING' && !(child.leaseExpiresAt && child.leaseExpiresAt > this.deps.clock()))) {
        const stopped = await this.deps.jobs.tryUpdate(child.id, merge(atVersion(child.version), { set: { cancelRequested: true } }));
        if (stopped) await stopNow(this.deps, this.dispatcher, counters, stopped);
        await this.#cancelDescendants(child.id, counters);
        return;
      }
      await this.deps.jobs.tryUpdate(
        child.id,
        merge(child.status === 'RUNNING' ? statusSpec(child, 'STOPPING') : {}, bumpVersion, atVersion(child.version), { set: { cancelRequested: true } }),
      );
      await this.#cancelDescendants(child.id, counters);
    });
  }

  async #restart(record: JobRecord, counters: CounterBatch): Promise<JobRecord | null> {
    const definition = this.deps.registry.get(record.type);
    if (!definition?.restartable) {
      throw new ConflictError(`job type ${record.type} is not restartable`, { jobId: record.id, operation: 'restart' });
    }
    await this.deps.checkpoints.clear(record.id);
    const updated = await this.deps.jobs.tryUpdate(
      record.id,
      merge(statusSpec(record, 'PENDING'), readySpec(record, this.deps.clock()), bumpVersion, atVersion(record.version), {
        set: { attempt: 0, lostSlices: 0, progress: 0, childrenTotal: 0, childrenDone: 0, spawned: 0, adopted: 0, hasErrors: false },
        setRaw: { run: '#run + :one' },
        remove: ['startDate', 'endDate', 'results', 'error', 'expiresAt'],
      }),
    );
    if (!updated) return null;
    counters.bucketMoved(record.tenant, bucketOf(record), 'active');
    await this.dispatcher.touchLane(updated.rootId, laneOf(updated));
    await this.dispatcher.pumpRoot(updated.rootId, laneOf(updated));
    return updated;
  }

  async #setLowPriority(record: JobRecord, lowPriority: boolean): Promise<JobRecord | null> {
    if (record.lowPriority === lowPriority) return record;
    const moved = { ...record, lowPriority };
    const queued = record.gsi5pk?.startsWith('R#') ?? false;
    const updated = await this.deps.jobs.tryUpdate(
      record.id,
      merge(queued ? readySpec(moved, this.deps.clock()) : {}, bumpVersion, atVersion(record.version), { set: { lowPriority } }),
    );
    if (updated && queued) {
      await this.dispatcher.touchLane(updated.rootId, laneOf(updated));
      await this.dispatcher.pump();
    }
    return updated;
  }

  async #delete(record: JobRecord, counters: CounterBatch): Promise<'deleted' | null> {
    const deleted = await this.deps.jobs.deleteJobIf(record.id, '#version = :version AND (#status = :finished OR #status = :canceled)', {
      ':version': record.version,
      ':finished': 'FINISHED',
      ':canceled': 'CANCELED',
    });
    if (!deleted) return null;
    // Logs and checkpoints share the job's partition; TTL would get them eventually, but a
    // delete asked for now should not leave them readable.
    await this.deps.jobs.deletePartition(`J#${record.id}`, 'L#');
    await this.deps.jobs.deletePartition(`J#${record.id}`, 'C#');
    counters.jobDeleted(record.tenant, bucketOf(record));
    return 'deleted';
  }

  /**
   * Applies a stop or resume to the children in `from` (each cascades further down). A wide
   * tree is handed to a BULK_OPERATION system job instead: walking tens of thousands of
   * children inside one api request could outlive its timeout and leave the tree half changed.
   */
  async #cascade(parent: JobRecord, from: readonly JobStatus[], operation: 'stop' | 'resume', counters: CounterBatch): Promise<void> {
    if (parent.childrenTotal > CASCADE_INLINE_CHILDREN && this.deps.registry.has(BULK_OPERATION)) {
      const data = { operation, filter: { parentId: parent.id, status: from.join(',') } };
      await submit(this.deps, this.dispatcher, counters, { type: BULK_OPERATION, tenant: parent.tenant, data, label: `${operation} the children of ${parent.label}` });
      return;
    }
    await this.#eachChild(parent.id, async (child) => {
      if (!from.includes(child.status)) return;
      await this.apply(operation, child.id, { allTenants: true }, counters).catch(ignoreConflict);
    });
  }

  async #eachChild(parentId: string, visit: (child: JobRecord) => Promise<void>): Promise<void> {
    const ids = await childIds(this.deps, parentId);
    for (let i = 0; i < ids.length; i += 100) {
      const children = [...(await this.deps.jobs.getMany(ids.slice(i, i + 100))).values()];
      for (let j = 0; j < children.length; j += CASCADE_PARALLELISM) {
        await Promise.all(children.slice(j, j + CASCADE_PARALLELISM).map(visit));
      }
    }
  }
}

/** A descendant that changed status meanwhile is left as it is; the parent's operation stands. */
function ignoreConflict(error: unknown): void {
  if (error instanceof ConflictError || error instanceof NotFoundError) return;
  throw error;
}
