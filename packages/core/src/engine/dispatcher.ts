import type { Lane } from '../job.ts';
import { laneOf, type JobRecord } from '../job-record.ts';
import { crashPoint } from '../crash-points.ts';
import {
  chargeShardOf,
  inFlightPartition,
  lanePartition,
  laneShards,
  parseLaneSortKey,
  readyEntryOf,
  readyPartition,
  rootLaneKey,
  rootShards,
  rootShardsRead,
} from '../store/table-keys.ts';
import type { UpdateSpec } from '../store/update-expression.ts';
import { ConcurrencyGate } from './concurrency-gate.ts';
import {
  chargeSpec,
  claimSpec,
  enterLaneSpec,
  entryVtime,
  mergeShardHeads,
  readySpec,
  RESORT_EVERY_MS,
  resortSpec,
  rootDecision,
  slotsOf,
  sortedRecently,
  touchSpec,
  touchedRecently,
  leaveLaneSpec,
} from './dispatch-specs.ts';
import { emit, type EngineDeps } from './deps.ts';
import { merge } from './transitions.ts';

/**
 * Fair dispatch per root job.
 *
 * Jobs waiting to run sit in their root's ready set (gsi5 `R#<lane>#<root>`). Roots with
 * ready work sit in their lane (gsi5 `Q#<lane>`, spread over LANE_SHARDS partitions by root
 * and read as one by merging their heads) ordered by virtual time: the execution time the
 * root has consumed. A pump walks the lane least-served root first and sends each
 * root at most `maxInFlightPerRoot` messages (dispatched or running slices, gsi5 `I#...`).
 *
 * So the work queue never holds more than that bound per root: a root with 10,000 ready
 * children has a few messages in SQS, and another root's job sits behind at most
 * (active roots × bound) slices whatever that backlog. A root's share of workers follows its
 * in-flight bound, not its number of children; a new root enters its lane at the lane's
 * current least virtual time, so it neither jumps ahead of everyone nor waits for others
 * to catch up. The low lane is pumped only when no normal root has ready work.
 *
 * Concurrent pumps claim jobs with conditional writes, so a job is dispatched once; they
 * may briefly exceed a root's bound by the number of pumps racing, which is harmless.
 */

const ROOTS_PER_PUMP = 25;
/** Times one root's dispatch reads its ready set again after limited jobs found their keys full. */
const BLOCKED_ROUNDS = 4;
/** Lane entries whose ready sets `#laneWaiting` looks into before calling a lane busy. */
const WAITING_PROBE = 5;
/** Roots whose re-sort tries a process notes before it drops the stale notes. */
const RESORT_NOTES = 1_000;

/** A root's lane item as read. */
type LaneEntry = Record<string, unknown>;

export class Dispatcher {
  /** Per-key concurrency limits: a limited job is claimed through it (concurrency-gate.ts). */
  readonly gate: ConcurrencyGate;

  /**
   * When this process last tried to re-sort each root (by root and lane). Slices of one tree
   * that end together here all read the root as due; one tries, since a re-sort refused by its
   * condition still costs a write on the root's lane item.
   */
  readonly #resortTried = new Map<string, number>();

  constructor(readonly deps: EngineDeps) {
    this.gate = new ConcurrencyGate(deps, this);
  }

  /**
   * Puts a job that holds no slot (parked, delayed) back in its ready set: lane touched first,
   * then one write conditional on `guard` (what the caller read must still hold), then its root
   * pumped. The job as written, or null when the guard failed and nothing moved.
   */
  async makeReady(record: JobRecord, guard: UpdateSpec): Promise<JobRecord | null> {
    await this.touchLane(record, laneOf(record));
    const ready = await this.deps.jobs.tryUpdate(record.id, merge(readySpec(record, this.deps.clock()), guard));
    if (ready) await this.pumpRoot(ready.rootId, laneOf(ready));
    return ready;
  }

  /**
   * Registers that a root has ready work in a lane. Call it BEFORE making a job ready: the
   * lane entry is then durable before the ready-set entry, so a crash between the two leaves
   * an entry a pump visits and finds empty (harmless), never a ready job no pump can reach.
   * One conditional write puts the root in the lane with its sort key; a root re-entering
   * starts at max(its own virtual time, the lane's least), so idle time earns no credit; a root
   * in its lane touched within TOUCH_EVERY_MS is left as it is (its grace covers this job too).
   * `job`: the one about to be made ready; a child marks its root a tree (`touchSpec`).
   */
  async touchLane(job: { id: string; rootId: string }, lane: Lane): Promise<void> {
    const { jobs } = this.deps;
    const { rootId } = job;
    const tree = job.id !== rootId;
    const key = rootLaneKey(rootId, lane);
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await jobs.getItem(key);
      const now = this.deps.clock();
      if (entry?.gsi5pk !== undefined) {
        const mark = tree && entry.tree !== true;
        if (!mark && touchedRecently(entry, now)) return;
        if (await jobs.tryUpdateItem(key, touchSpec(now, mark))) return;
        continue;
      }
      // A tree's children charged its other lane items (`charge`): its own time is their sum.
      const elsewhere = entry?.tree === true ? await this.#chargedElsewhere(rootId, lane) : 0;
      const vtime = entryVtime(((entry?.vtime as number | undefined) ?? 0) + elsewhere, await this.#laneHeadVtime(lane));
      if (await jobs.tryUpdateItem(key, enterLaneSpec(rootId, lane, vtime, now, entry, { tree: tree && entry?.tree !== true, elsewhere }))) return;
    }
    throw new Error(`lane entry of root ${rootId} kept changing; its ready work waits for the next touch`);
  }

  /**
   * Adds a slice's execution time to its root's virtual time, on the root's lane item for its
   * shard of the tree (`job`: the slice's), and re-sorts the root in its lane unless it was
   * re-sorted within RESORT_EVERY_MS. A crash before the re-sort, or a re-sort skipped, leaves
   * the root sorted by an earlier virtual time until a later charge re-sorts it: an ordering off
   * by a few slices, never work left unreachable. Returns the root's lane item as read (before
   * any re-sort), for the pump that follows (`pumpRoot`), so it need not read it again.
   */
  async charge(job: { id: string; rootId: string }, lane: Lane, ms: number): Promise<LaneEntry | undefined> {
    const { jobs } = this.deps;
    const { rootId } = job;
    const shard = chargeShardOf(job);
    const charged = (await jobs.tryUpdateItem(rootLaneKey(rootId, lane, shard), chargeSpec(rootId, lane, ms))) ?? undefined;
    const entry = shard === 0 ? charged : await jobs.getItem(rootLaneKey(rootId, lane));
    const now = this.deps.clock();
    if (entry?.gsi5pk === undefined || sortedRecently(entry, now) || !this.#mayTryResort(rootId, lane, now)) return entry;
    const own = (entry.vtime as number | undefined) ?? 0;
    const elsewhere = entry.tree === true ? await this.#chargedElsewhere(rootId, lane, shard === 0 ? undefined : charged) : 0;
    await jobs.tryUpdateItem(rootLaneKey(rootId, lane), resortSpec(rootId, own, own + elsewhere, now));
    return entry;
  }

  /** Whether this process may try to re-sort the root now (noted as tried if so). */
  #mayTryResort(rootId: string, lane: Lane, now: number): boolean {
    const key = `${rootId}#${lane}`;
    if ((this.#resortTried.get(key) ?? Number.NEGATIVE_INFINITY) > now - RESORT_EVERY_MS) return false;
    // Only the last RESORT_EVERY_MS matters: older notes go once there are many.
    if (this.#resortTried.size >= RESORT_NOTES) {
      for (const [noted, at] of this.#resortTried) if (at <= now - RESORT_EVERY_MS) this.#resortTried.delete(noted);
    }
    this.#resortTried.set(key, now);
    return true;
  }

  /**
   * What a tree's children charged to its lane items other than the first (`charged`: one of
   * them as just written, fresher than a read of it).
   */
  async #chargedElsewhere(rootId: string, lane: Lane, charged?: Record<string, unknown>): Promise<number> {
    const keys = rootShards.slice(1).map((shard) => rootLaneKey(rootId, lane, shard));
    const items = await this.deps.jobs.getItems(keys);
    const vtimes = new Map(items.map((item) => [item.pk as string, (item.vtime as number | undefined) ?? 0]));
    if (charged) vtimes.set(charged.pk as string, (charged.vtime as number | undefined) ?? 0);
    return [...vtimes.values()].reduce((sum, vtime) => sum + vtime, 0);
  }

  /** Dispatches ready work within the per-root bounds. Returns how many messages it sent. */
  async pump(): Promise<number> {
    let sent = 0;
    const normal = await this.#pumpLane('normal');
    sent += normal.sent;
    if (!normal.waiting) sent += (await this.#pumpLane('low')).sent;
    return sent;
  }

  /**
   * Dispatches the ready work of one root, after it gained ready jobs or freed a slot. Low
   * work waits while normal work does — and then the normal lane is pumped instead, since a
   * slot may have been freed (a job whose flag changed while it ran frees it in its old
   * lane); when this empties the normal lane, low work may go.
   */
  async pumpRoot(rootId: string, lane: Lane, entry?: LaneEntry): Promise<number> {
    if (lane === 'low' && (await this.#laneWaiting('normal'))) return (await this.#pumpLane('normal')).sent;
    const result = await this.#dispatchRoot(rootId, lane, entry);
    if (lane === 'normal' && !result.hasReady && !(await this.#laneWaiting('normal'))) {
      return result.sent + (await this.#pumpLane('low')).sent;
    }
    return result.sent;
  }

  /**
   * Whether a root in the lane has ready work. An entry can outlive its work by up to
   * LANE_GRACE_MS (see #dispatchRoot), so the first entries' ready sets are looked at rather
   * than trusting that an entry exists.
   */
  async #laneWaiting(lane: Lane): Promise<boolean> {
    const head = await this.#laneHead(lane, WAITING_PROBE);
    for (const { rootId } of head.entries) {
      if ((await this.#readySet(rootId, lane, rootShards, 1)).entries.length > 0) return true;
    }
    return head.more;
  }

  async #pumpLane(lane: Lane): Promise<{ sent: number; waiting: boolean }> {
    const head = await this.#laneHead(lane, ROOTS_PER_PUMP);
    let sent = 0;
    let waiting = false;
    for (const { rootId } of head.entries) {
      const result = await this.#dispatchRoot(rootId, lane);
      sent += result.sent;
      waiting ||= result.hasReady;
    }
    return { sent, waiting: waiting || head.more };
  }

  /**
   * The lane's `limit` least-served roots: the first entries of every lane shard, read in
   * parallel and merged by virtual time. `more` when the lane holds more than were returned.
   */
  async #laneHead(lane: Lane, limit: number): Promise<{ entries: Array<{ vtime: number; rootId: string }>; more: boolean }> {
    const head = await this.#shardHeads(
      laneShards.map((shard) => lanePartition(lane, shard)),
      limit,
    );
    return { entries: head.entries.map(({ sk }) => parseLaneSortKey(sk)), more: head.more };
  }

  /**
   * The first `limit` entries of a set's shards (gsi5 partitions), read in parallel and merged
   * by sort key, each with the partition it is in; `more` when the shards hold more.
   */
  async #shardHeads(partitions: readonly string[], limit: number): Promise<{ entries: Array<{ sk: string; partition: string }>; more: boolean }> {
    const pages = await Promise.all(partitions.map((partition) => this.deps.jobs.queryIndex({ index: 'gsi5', partition, limit })));
    const merged = mergeShardHeads(pages.map((page, i) => page.keys.map((key) => ({ sk: key.gsi5sk!, partition: partitions[i]! }))));
    return {
      entries: merged.slice(0, limit),
      more: merged.length > limit || pages.some((page) => page.lastKey !== undefined),
    };
  }

  /** `entry`: the root's lane item, read consistently just before (`charge`), else read here. */
  async #dispatchRoot(rootId: string, lane: Lane, entry?: LaneEntry): Promise<{ sent: number; hasReady: boolean }> {
    const { jobs, tuning } = this.deps;
    const laneEntry = entry ?? (await jobs.getItem(rootLaneKey(rootId, lane)));
    const version = (laneEntry?.readyVersion as number | undefined) ?? 0;
    // A child is made ready only after its touch marked the entry, so a root not marked has
    // work in its first shard alone.
    const shards = rootShardsRead(laneEntry?.tree === true);
    const counts = await Promise.all(
      shards.map((shard) =>
        jobs.countIndex({ index: 'gsi5', partition: inFlightPartition(rootId, shard), prefix: `${rootId}#`, limit: tuning.maxInFlightPerRoot }),
      ),
    );
    const inFlight = counts.reduce((sum, count) => sum + count, 0);
    let { free, readLimit } = slotsOf(tuning.maxInFlightPerRoot, inFlight);
    let sent = 0;
    // A limited job whose key is full leaves the ready set instead of taking a slot: read the
    // next ready jobs in its place, a few rounds at most, so a full key does not hold its root up.
    for (let round = 0; round < BLOCKED_ROUNDS; round++) {
      const ready = await this.#readySet(rootId, lane, shards, readLimit);
      const decision = rootDecision(ready.entries.length, free);
      if (decision === 'leave' && round === 0) {
        await jobs.tryUpdateItem(rootLaneKey(rootId, lane), leaveLaneSpec(version, this.deps.clock()));
        return { sent: 0, hasReady: false };
      }
      if (decision !== 'claim') break;
      let blocked = 0;
      const now = this.deps.clock();
      for (const { sk, partition } of ready.entries) {
        const { id, limited } = readyEntryOf(sk);
        const claim = claimSpec(id, rootId, lane, now, partition);
        const claimed = limited ? await this.gate.claim(id, claim, now) : await jobs.tryUpdate(id, claim);
        if (!claimed) {
          if (limited) blocked++;
          continue;
        }
        // A crash here leaves the job in flight with `dispatchedAt` and no message: the sweeper
        // sends it after redispatchAfterMs.
        await crashPoint('dispatch.claimed', { jobId: id, jobType: claimed.type });
        await this.send(claimed);
        sent++;
      }
      if (blocked === 0 || !ready.more) break;
      ({ free, readLimit } = slotsOf(tuning.maxInFlightPerRoot, inFlight + sent));
    }
    return { sent, hasReady: true };
  }

  /**
   * Sends a claimed job's work message. A failed send leaves the job in flight with its
   * `dispatchedAt`; the sweeper sends it again, so the error is reported, not thrown.
   */
  async send(record: JobRecord, delaySeconds = 0): Promise<boolean> {
    try {
      await this.deps.queue.send(laneOf(record), { jobId: record.id, rootId: record.rootId, tenant: record.tenant }, delaySeconds);
      return true;
    } catch (error) {
      emit(this.deps, { type: 'warning', message: 'work message not sent; the sweeper will resend it', jobId: record.id, error });
      return false;
    }
  }

  /** A root's first `limit` ready jobs over the given shards of its ready set, the earliest ready first. */
  #readySet(rootId: string, lane: Lane, shards: readonly number[], limit: number) {
    return this.#shardHeads(
      shards.map((shard) => readyPartition(lane, rootId, shard)),
      limit,
    );
  }

  async #laneHeadVtime(lane: Lane): Promise<number> {
    return (await this.#laneHead(lane, 1)).entries[0]?.vtime ?? 0;
  }
}
