import { describe, expect, it } from 'vitest';
import { inFlightPartition } from '../store/table-keys.ts';
import {
  chargeSpec,
  claimSpec,
  enterLaneSpec,
  entryVtime,
  inFlightSpec,
  LANE_GRACE_MS,
  mergeShardHeads,
  leaveLaneSpec,
  readySpec,
  resortSpec,
  rootDecision,
  slotsOf,
  sortedRecently,
  touchSpec,
  touchedRecently,
} from './dispatch-specs.ts';

describe('the dispatcher’s decisions', () => {
  describe('the virtual time a root enters its lane at', () => {
    it.each([
      ['a new root, into an empty lane', undefined, 0, 0],
      ['a new root, behind roots that consumed time', undefined, 500, 500],
      ['a root that consumed more than the lane’s least keeps its own', 900, 500, 900],
      ['a root back from idling starts at the lane’s least: idle time earns no credit', 200, 500, 500],
      ['a root level with the lane’s least', 500, 500, 500],
    ])('%s', (_case, own, laneHead, expected) => {
      expect(entryVtime(own, laneHead)).toBe(expected);
    });
  });

  describe('charging a slice', () => {
    it.each([
      ['whole milliseconds', 250, 250],
      ['rounded down', 12.4, 12],
      ['rounded up', 12.5, 13],
      ['at least 1 ms for an instant slice', 0, 1],
      ['at least 1 ms when rounding gives 0', 0.4, 1],
      ['at least 1 ms for a clock that stepped back', -30, 1],
    ])('adds the execution time to the root’s virtual time: %s', (_case, ms, charged) => {
      expect(chargeSpec('r1', 'normal', ms)).toEqual({
        setRaw: { vtime: 'if_not_exists(#vtime, :zero) + :ms' },
        set: { rootId: 'r1', lane: 'normal' },
        values: { ':zero': 0, ':ms': charged },
      });
    });

    it('re-sorts the root under its virtual time over all its lane items, unless its own changed, it left the lane or another charge re-sorted it within 100 ms', () => {
      expect(resortSpec('r1', 1_250, 4_000, 50_000)).toEqual({
        set: { gsi5sk: '000000000004000#r1', sortedAt: 50_000 },
        condition: '#vtime = :vtime AND attribute_exists(#gsi5pk) AND (attribute_not_exists(#sortedAt) OR #sortedAt <= :due)',
        values: { ':vtime': 1_250, ':due': 49_900 },
      });
    });

    it.each([
      ['never re-sorted', {}, false],
      ['re-sorted 100 ms ago', { sortedAt: 49_900 }, false],
      ['re-sorted 99 ms ago', { sortedAt: 49_901 }, true],
      ['re-sorted just now', { sortedAt: 50_000 }, true],
    ])('reads no lane items to re-sort a root %s: %s', (_case, entry, recently) => {
      expect(sortedRecently(entry, 50_000)).toBe(recently);
    });

    it('serves the least-served root first: lane keys sort by virtual time, then root', () => {
      const lane = [resortSpec('heavy', 0, 40_000, 1), resortSpec('light', 0, 900, 1), resortSpec('fresh', 0, 900, 1), resortSpec('mid', 0, 10_000, 1)];
      const order = lane.map((spec) => spec.set!.gsi5sk as string).sort();
      expect(order).toEqual(['000000000000900#fresh', '000000000000900#light', '000000000010000#mid', '000000000040000#heavy']);
    });
  });

  describe('entering and touching the lane', () => {
    it('leaves a root in its lane touched within the last second untouched, and touches one out of its lane or touched longer ago', () => {
      expect(touchedRecently({ gsi5pk: 'Q#normal', touchedAt: 6_001 }, 7_000)).toBe(true);
      expect(touchedRecently({ gsi5pk: 'Q#normal', touchedAt: 6_000 }, 7_000)).toBe(false);
      expect(touchedRecently({ touchedAt: 6_900 }, 7_000)).toBe(false);
      expect(touchedRecently({ gsi5pk: 'Q#normal' }, 7_000)).toBe(false);
    });

    it('touches a root already in its lane: new ready work bumps the version a leaving pump checks', () => {
      expect(touchSpec(7_000)).toEqual({ set: { touchedAt: 7_000 }, add: { readyVersion: 1 }, condition: 'attribute_exists(#gsi5pk)' });
    });

    it('marks a root a tree when a child’s touch finds it unmarked, so its dispatch reads every shard of its sets', () => {
      expect(touchSpec(7_000, true)).toEqual({ set: { touchedAt: 7_000, tree: true }, add: { readyVersion: 1 }, condition: 'attribute_exists(#gsi5pk)' });
      expect(enterLaneSpec('r1', 'normal', 500, 7_000, undefined, { tree: true }).set).toEqual({
        rootId: 'r1',
        lane: 'normal',
        vtime: 500,
        touchedAt: 7_000,
        gsi5pk: 'Q#normal#15',
        gsi5sk: '000000000000500#r1',
        tree: true,
      });
    });

    it('enters a root with no entry at all only if none was written meanwhile', () => {
      expect(enterLaneSpec('r1', 'normal', 500, 7_000, undefined)).toEqual({
        set: { rootId: 'r1', lane: 'normal', vtime: 500, touchedAt: 7_000, gsi5pk: 'Q#normal#15', gsi5sk: '000000000000500#r1' },
        add: { readyVersion: 1 },
        condition: 'attribute_not_exists(#pk)',
      });
    });

    it('enters a root whose entry was never charged only if it is still uncharged and out of the lane', () => {
      const uncharged: Record<string, unknown> = { rootId: 'r1', lane: 'low', readyVersion: 3 };
      expect(enterLaneSpec('r1', 'low', 0, 7_000, uncharged)).toEqual({
        set: { rootId: 'r1', lane: 'low', vtime: 0, touchedAt: 7_000, gsi5pk: 'Q#low#15', gsi5sk: '000000000000000#r1' },
        add: { readyVersion: 1 },
        condition: 'attribute_not_exists(#vtime) AND attribute_not_exists(#gsi5pk)',
      });
    });

    it('enters a tree at its virtual time over all its lane items, its own item taking what the others do not hold', () => {
      // 900 in all, 700 of it charged to the tree's other lane items: the sort key says 900, the item 200.
      expect(enterLaneSpec('r1', 'normal', 900, 7_000, { vtime: 150 }, { elsewhere: 700 })).toEqual({
        set: { rootId: 'r1', lane: 'normal', vtime: 200, touchedAt: 7_000, gsi5pk: 'Q#normal#15', gsi5sk: '000000000000900#r1' },
        add: { readyVersion: 1 },
        condition: '#vtime = :vtime AND attribute_not_exists(#gsi5pk)',
        values: { ':vtime': 150 },
      });
    });

    it('enters a charged root only at the virtual time read: a charge in between makes it read again', () => {
      expect(enterLaneSpec('r1', 'normal', 900, 7_000, { vtime: 640 })).toEqual({
        set: { rootId: 'r1', lane: 'normal', vtime: 900, touchedAt: 7_000, gsi5pk: 'Q#normal#15', gsi5sk: '000000000000900#r1' },
        add: { readyVersion: 1 },
        condition: '#vtime = :vtime AND attribute_not_exists(#gsi5pk)',
        values: { ':vtime': 640 },
      });
    });
  });

  describe('reading a sharded lane', () => {
    it('serves the shards’ roots least virtual time first across shards, a tie by root id', () => {
      const shards = [['000000000000050#r-c', '000000000000900#r-a'], [], ['000000000000010#r-z', '000000000000050#r-b', '000000000000051#r-y']];
      expect(mergeShardHeads(shards.map((keys) => keys.map((sk) => ({ sk })))).map(({ sk }) => sk)).toEqual([
        '000000000000010#r-z',
        '000000000000050#r-b',
        '000000000000050#r-c',
        '000000000000051#r-y',
        '000000000000900#r-a',
      ]);
    });
  });

  describe('the per-root in-flight bound', () => {
    it.each([
      ['an idle root reads as many ready jobs as its bound', 4, 0, { free: 4, readLimit: 4 }],
      ['a busy root reads only its free slots', 4, 3, { free: 1, readLimit: 1 }],
      ['a full root still reads one, to learn whether it has work', 4, 4, { free: 0, readLimit: 1 }],
      ['racing pumps that overshot the bound', 4, 6, { free: -2, readLimit: 1 }],
    ])('%s', (_case, bound, inFlight, expected) => {
      expect(slotsOf(bound, inFlight)).toEqual(expected);
    });

    it.each([
      ['nothing ready: the root leaves its lane', 0, 4, 'leave'],
      ['nothing ready, even when full', 0, 0, 'leave'],
      ['ready work, no free slot: the root keeps its place and sends nothing', 1, 0, 'full'],
      ['ready work over the bound', 1, -2, 'full'],
      ['ready work and a free slot: claim', 1, 1, 'claim'],
      ['more ready than free: claim what was read', 3, 2, 'claim'],
    ] as const)('%s', (_case, ready, free, expected) => {
      expect(rootDecision(ready, free)).toBe(expected);
    });
  });

  describe('leaving the lane', () => {
    it('happens only if no work was made ready since the version was read, and not within the grace of the last touch', () => {
      expect(LANE_GRACE_MS).toBe(10_000);
      expect(leaveLaneSpec(3, 50_000)).toEqual({
        remove: ['gsi5pk', 'gsi5sk'],
        condition: '#readyVersion = :version AND (attribute_not_exists(#touchedAt) OR #touchedAt < :settled)',
        values: { ':version': 3, ':settled': 40_000 },
      });
    });
  });

  describe('a job’s way through the dispatch sets', () => {
    it('becomes ready in its root’s lane, ordered by when it became ready: a child in its shard of the ready set, the root in the first', () => {
      expect(readySpec({ id: 'j1', rootId: 'r1', lowPriority: false }, 1_234)).toEqual({
        set: { gsi5pk: 'R#normal#r1#7', gsi5sk: '0000000001234#j1' },
        remove: ['dispatchedAt'],
      });
      expect(readySpec({ id: 'j1', rootId: 'r1', lowPriority: true }, 1_234).set).toEqual({ gsi5pk: 'R#low#r1#7', gsi5sk: '0000000001234#j1' });
      expect(readySpec({ id: 'c1', rootId: 'r1', lowPriority: false }, 1_234).set).toMatchObject({ gsi5pk: 'R#normal#r1#6' });
      expect(readySpec({ id: 'r1', rootId: 'r1', lowPriority: false }, 1_234).set).toEqual({ gsi5pk: 'R#normal#r1', gsi5sk: '0000000001234#r1' });
    });

    it('is marked in its ready entry when its type has a concurrency limit, so the pump claims it through the gate', () => {
      expect(readySpec({ id: 'j1', rootId: 'r1', lowPriority: false, concurrencyKey: 'c7' }, 1_234).set).toEqual({
        gsi5pk: 'R#normal#r1#7',
        gsi5sk: '0000000001234#j1#C',
      });
    });

    it('takes a slot of its root when dispatched: a child in its shard of the root’s in-flight shards, the root in the first', () => {
      expect(inFlightSpec({ id: 'j1', rootId: 'r1' }, 1_234)).toEqual({
        set: { gsi5pk: 'I#6', gsi5sk: 'r1#j1', dispatchedAt: 1_234 },
      });
      expect(inFlightSpec({ id: 'r1', rootId: 'r1' }, 1_234).set).toMatchObject({ gsi5pk: 'I#31', gsi5sk: 'r1#r1' });
      expect(inFlightPartition('r1', 3)).toBe('I#2');
    });

    it('is claimed only while still in the ready partition it was read in, so two pumps dispatch it once', () => {
      expect(claimSpec('j1', 'r1', 'low', 1_234)).toEqual({
        set: { gsi5pk: 'I#6', gsi5sk: 'r1#j1', dispatchedAt: 1_234 },
        condition: '#gsi5pk = :ready',
        values: { ':ready': 'R#low#r1#7' },
      });
      // An entry written before the ready set was sharded, read in its first shard.
      expect(claimSpec('j1', 'r1', 'low', 1_234, 'R#low#r1').values).toEqual({ ':ready': 'R#low#r1' });
    });
  });
});
