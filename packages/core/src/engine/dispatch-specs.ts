import type { Lane } from '../job.ts';
import { laneOf, type JobRecord } from '../job-record.ts';
import { inFlightPartitionOf, inFlightSortKey, laneSortKey, readyPartitionOf, readySortKey, rootLanePartition } from '../store/table-keys.ts';
import type { UpdateSpec } from '../store/update-expression.ts';

/**
 * What the dispatcher (dispatcher.ts) decides and writes, as data: the update parts of each of
 * its writes and the pure decisions between them, unit-tested without a table.
 */

/**
 * How long a lane entry outlives its last touch even when its ready set reads empty. The
 * touch and the ready-set write it announces are milliseconds apart; this covers that gap
 * by orders of magnitude.
 */
export const LANE_GRACE_MS = 10_000;

/**
 * A root in its lane touched this recently is not touched again for new ready work: no pump
 * takes it out of its lane until LANE_GRACE_MS after that touch, so the ready write that
 * follows is still covered by 9 seconds. A tree whose children become ready thousands of times
 * a second would otherwise write its lane item at each (about 1,000 children/s on one item).
 */
export const TOUCH_EVERY_MS = 1_000;

/** Whether a time a lane item holds (if any) is less than `ms` before `now`. */
const within = (at: unknown, now: number, ms: number) => typeof at === 'number' && at > now - ms;

/** Whether a root's lane item, in its lane, was touched too recently to need another touch. */
export const touchedRecently = (entry: Record<string, unknown>, now: number) => entry.gsi5pk !== undefined && within(entry.touchedAt, now, TOUCH_EVERY_MS);

/** Update parts that put a job into its root's ready set. */
export function readySpec(record: Pick<JobRecord, 'id' | 'rootId' | 'lowPriority' | 'concurrencyKey'>, now: number): UpdateSpec {
  return {
    set: {
      gsi5pk: readyPartitionOf(laneOf(record), record),
      gsi5sk: readySortKey(now, record.id, record.concurrencyKey !== undefined),
    },
    remove: ['dispatchedAt'],
  };
}

/** Update parts that make a job in-flight: it holds one of its root's slots. */
export function inFlightSpec(record: Pick<JobRecord, 'id' | 'rootId'>, now: number): UpdateSpec {
  return {
    set: {
      gsi5pk: inFlightPartitionOf(record),
      gsi5sk: inFlightSortKey(record.rootId, record.id),
      dispatchedAt: now,
    },
  };
}

/**
 * How often at most a root is re-sorted in its lane: charges in between add to its virtual time
 * without moving its entry, so a root whose children end thousands of times a second moves its
 * lane entry (and writes its lane item) a few times a second, not at each slice.
 */
export const RESORT_EVERY_MS = 100;

/**
 * The virtual time a root enters its lane at: its own (0 if never charged), but never less
 * than the lane's least, so idle time earns no credit.
 */
export function entryVtime(own: number | undefined, laneHead: number): number {
  return Math.max(own ?? 0, laneHead);
}

/**
 * Update parts that note new ready work of a root already in its lane. `tree`: the work is a
 * child's, which may go to any of the root's shards, so the entry says to read them all.
 */
export function touchSpec(now: number, tree = false): UpdateSpec {
  return { set: { touchedAt: now, ...treeMark(tree) }, add: { readyVersion: 1 }, condition: 'attribute_exists(#gsi5pk)' };
}

const treeMark = (tree: boolean) => (tree ? { tree: true } : {});

/**
 * Update parts that put a root into its lane at `vtime`, on condition that its entry is still
 * as read: `read` undefined when there was none, else its virtual time (undefined if the root
 * was never charged). `tree`: mark it a tree. `elsewhere`: what its other lane items hold of
 * its virtual time, which the lane item's own takes no more of.
 */
export function enterLaneSpec(
  rootId: string,
  lane: Lane,
  vtime: number,
  now: number,
  read: { vtime?: unknown } | undefined,
  { tree = false, elsewhere = 0 } = {},
): UpdateSpec {
  return {
    set: {
      rootId,
      lane,
      vtime: vtime - elsewhere,
      touchedAt: now,
      gsi5pk: rootLanePartition(lane, rootId),
      gsi5sk: laneSortKey(vtime, rootId),
      ...treeMark(tree),
    },
    add: { readyVersion: 1 },
    // Charged or entered by someone else since we read it: read again.
    condition: !read
      ? 'attribute_not_exists(#pk)'
      : read.vtime === undefined
        ? 'attribute_not_exists(#vtime) AND attribute_not_exists(#gsi5pk)'
        : '#vtime = :vtime AND attribute_not_exists(#gsi5pk)',
    ...(read?.vtime !== undefined ? { values: { ':vtime': read.vtime } } : {}),
  };
}

/**
 * Update parts that add a slice's execution time to its root's virtual time: whole
 * milliseconds, at least 1, so even an instant slice moves its root behind an idle one.
 */
export function chargeSpec(rootId: string, lane: Lane, ms: number): UpdateSpec {
  return {
    setRaw: { vtime: 'if_not_exists(#vtime, :zero) + :ms' },
    set: { rootId, lane },
    values: { ':zero': 0, ':ms': Math.max(1, Math.round(ms)) },
  };
}

/**
 * Update parts that re-sort a charged root in its lane at `total`, its virtual time over all
 * its lane items: unless its lane item's own (`own`, as read) changed or it left the lane since,
 * or another charge re-sorted it within RESORT_EVERY_MS.
 */
export function resortSpec(rootId: string, own: number, total: number, now: number): UpdateSpec {
  return {
    set: { gsi5sk: laneSortKey(total, rootId), sortedAt: now },
    condition: '#vtime = :vtime AND attribute_exists(#gsi5pk) AND (attribute_not_exists(#sortedAt) OR #sortedAt <= :due)',
    values: { ':vtime': own, ':due': now - RESORT_EVERY_MS },
  };
}

/** Whether a root's lane item was re-sorted too recently for another charge to re-sort it. */
export const sortedRecently = (entry: Record<string, unknown>, now: number) => within(entry.sortedAt, now, RESORT_EVERY_MS);

/**
 * A root's free slots under its in-flight bound, and how many ready jobs to read: as many as
 * are free, but at least one, so a full root still learns whether it has work.
 */
export function slotsOf(maxInFlightPerRoot: number, inFlight: number): { free: number; readLimit: number } {
  const free = maxInFlightPerRoot - inFlight;
  return { free, readLimit: Math.max(1, free) };
}

/**
 * What a root's dispatch does with its ready set: leave the lane when nothing is ready, keep
 * its place when work is ready but every slot is taken, claim otherwise.
 */
export function rootDecision(ready: number, free: number): 'leave' | 'full' | 'claim' {
  if (ready === 0) return 'leave';
  return free <= 0 ? 'full' : 'claim';
}

/**
 * Update parts that take a root out of its lane. Only if nobody made work ready since we read
 * the version, and not within LANE_GRACE_MS of the last touch: a writer touches the lane just
 * before it writes the ready job, and the read of the empty ready set may have fallen between.
 */
export function leaveLaneSpec(readyVersion: number, now: number): UpdateSpec {
  return {
    remove: ['gsi5pk', 'gsi5sk'],
    condition: '#readyVersion = :version AND (attribute_not_exists(#touchedAt) OR #touchedAt < :settled)',
    values: { ':version': readyVersion, ':settled': now - LANE_GRACE_MS },
  };
}

/**
 * Update parts that claim a ready job for dispatch: it takes a slot, if still in the ready
 * partition it was read in (`readIn`; by default the one it goes to now, which for an entry
 * written before a tree's sets were sharded is shard 0).
 */
export function claimSpec(id: string, rootId: string, lane: Lane, now: number, readIn = readyPartitionOf(lane, { id, rootId })): UpdateSpec {
  return {
    ...inFlightSpec({ id, rootId }, now),
    condition: '#gsi5pk = :ready',
    values: { ':ready': readIn },
  };
}

/**
 * Entries of several shards of a set in one order, their sort keys' (`sk`): for a lane least
 * virtual time first, then root id (`<vtime:15>#<rootId>`); for a ready set the earliest ready
 * first (`<readyAt:13>#<id>`).
 */
export function mergeShardHeads<T extends { sk: string }>(shards: ReadonlyArray<readonly T[]>): T[] {
  return shards.flat().sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
}
