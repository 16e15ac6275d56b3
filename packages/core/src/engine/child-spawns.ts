import type { SpawnOptions } from '@stint/sdk';
import { NonRetriableError } from '@stint/sdk';
import { crashPoint } from '../crash-points.ts';
import type { Lane } from '../job.ts';
import { laneOf, type JobRecord } from '../job-record.ts';
import { childJobId, newJobRecord } from '../new-job.ts';
import { concurrencyKeyOf } from './concurrency-gate.ts';
import { emit } from './deps.ts';
import type { EngineContext } from './context.ts';
import { holdsLease, merge, type Lease } from './transitions.ts';

/** Spawned children are written in batches of this many (bounding what a slice holds in memory)… */
const SPAWN_BATCH = 500;
/** …this many writes at a time. */
const SPAWN_PARALLELISM = 16;

/** What of its slice (job-run.ts) the spawns work with. */
export interface SpawningRun {
  record: JobRecord;
  readonly ctx: EngineContext;
  readonly deps: EngineContext['deps'];
  readonly lease: Lease;
  prove(force?: boolean): Promise<void>;
}

/** The children one slice spawns: written in batches, then counted on the parent. */
export class ChildSpawns {
  /** Spawns so far in this run, replayed ones included (a checkpoint stores it, so replay skips them exactly). */
  seq = 0;
  #spawnedThisSlice = 0;
  #unwritten: JobRecord[] = [];
  /** Lanes this slice made children ready in (touched before the first such child was written). */
  readonly #lanes = new Set<Lane>();

  constructor(readonly run: SpawningRun) {}

  /**
   * Spawns a child. Its id is derived from the parent's run and the spawn's position, so the
   * write can wait: children are written in parallel batches (at SPAWN_BATCH, or at the next
   * boundary), which is what lets one root fan out thousands of children a second.
   */
  async spawn(type: string, data: Record<string, unknown>, options: SpawnOptions = {}): Promise<string> {
    const definition = this.run.deps.registry.get(type);
    if (!definition) throw new NonRetriableError(`cannot spawn unknown job type ${type}`);
    const seq = ++this.seq;
    const parent = this.run.record;
    const id = childJobId(parent.id, parent.run, seq);
    // Spawns the parent already counted were written by an earlier slice.
    if (seq <= (parent.spawned ?? 0)) return id;
    const concurrency = concurrencyKeyOf(definition, data);
    if ('refusal' in concurrency) throw new NonRetriableError(`cannot spawn ${type}: its data ${concurrency.refusal}`);
    const now = this.run.deps.clock();
    this.#unwritten.push(
      newJobRecord(
        {
          id,
          type,
          label: options.label ?? definition.label?.(data) ?? type,
          tenant: parent.tenant,
          system: definition.system,
          data,
          runBy: parent.runBy ?? null,
          lowPriority: options.lowPriority ?? parent.lowPriority,
          parentId: parent.id,
          rootId: parent.rootId,
          createDate: now,
          spawn: { parentRun: parent.run, seq },
          ...(concurrency.key !== undefined ? { concurrencyKey: concurrency.key } : {}),
        },
        { readyAt: now },
      ),
    );
    this.#spawnedThisSlice++;
    if (this.#unwritten.length >= SPAWN_BATCH) await this.write();
    return id;
  }

  /** Writes the spawned children not yet written; a replayed spawn finds its child there. */
  async write(): Promise<void> {
    const children = this.#unwritten;
    if (children.length === 0) return;
    this.#unwritten = [];
    try {
      // The lane entry first, so a child written ready is always reachable (dispatcher.ts).
      for (const child of children) {
        const lane = laneOf(child);
        if (this.#lanes.has(lane)) continue;
        await this.run.ctx.dispatcher.touchLane(child, lane);
        this.#lanes.add(lane);
      }
      for (let i = 0; i < children.length; i += SPAWN_PARALLELISM) {
        await Promise.all(
          children.slice(i, i + SPAWN_PARALLELISM).map(async (child) => {
            if (!(await this.run.deps.jobs.create(child))) return;
            this.run.ctx.counters.jobCreated(child, child.createDate);
            emit(this.run.deps, { type: 'jobCreated', jobId: child.id, rootId: child.rootId, tenant: child.tenant, jobType: child.type });
          }),
        );
      }
    } catch (error) {
      // Kept for the next flush (a throttled write, say): forgotten, they would still be
      // counted on the parent by flush(), which then waits for children never written.
      // A child written already is found by its id and not counted twice.
      this.#unwritten = [...children, ...this.#unwritten];
      throw error;
    }
    await crashPoint('slice.spawned', { jobId: this.run.record.id, jobType: this.run.record.type });
  }

  /**
   * Records the spawns on the parent (monotonic: replays never lower it) and dispatches them.
   * A crash before this leaves children the parent has not counted; its replay spawns them
   * again (finding them written) and counts them here.
   */
  async flush(): Promise<void> {
    if (this.#spawnedThisSlice === 0) return;
    await this.write();
    const total = this.seq;
    const updated = await this.run.deps.jobs.tryUpdate(
      this.run.record.id,
      merge(holdsLease(this.run.lease), {
        set: { spawned: total },
        setRaw: { childrenTotal: 'if_not_exists(#adopted, :zero) + :total' },
        condition: 'attribute_not_exists(#spawned) OR #spawned < :total',
        values: { ':total': total, ':zero': 0 },
      }),
    );
    if (updated) this.run.record = updated;
    else await this.run.prove(true);
    this.#spawnedThisSlice = 0;
    for (const lane of this.#lanes) await this.run.ctx.dispatcher.pumpRoot(this.run.record.rootId, lane);
    this.#lanes.clear();
  }
}
