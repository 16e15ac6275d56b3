import { describe, expect, it } from 'vitest';
import {
  apiKeyKey,
  apiKeyListingKey,
  adoptingPartition,
  adoptingShard,
  cascadeKey,
  cascadeShard,
  LISTINGS,
  sessionKey,
  blockedPartition,
  blockedSortKey,
  concurrencyKeyItem,
  chaosExecutionKey,
  checkpointKey,
  delayedDueRange,
  delayedPartition,
  delayedSortKey,
  dispatchSetOf,
  dueRange,
  dueSortKey,
  eventKey,
  eventWaiterKey,
  itemKindOf,
  jobIdOfPk,
  jobKey,
  jobOfBlockedSortKey,
  jobOfCreateSortKey,
  jobOfReadySortKey,
  jobOfRunRecordSortKey,
  jobPartition,
  LOG_SORT_KEY_PATTERN,
  logPositionOf,
  logRange,
  logSortKey,
  logSortKeyAt,
  parseLaneSortKey,
  parseSlotToken,
  readyEntryOf,
  readySortKey,
  scheduleKey,
  scheduleKeyAt,
  scheduleOfSortKey,
  shardOf,
  IN_FLIGHT_SHARDS,
  LANE_SHARDS,
  inFlightPartition,
  rootLanePartition,
  lanePartition,
  laneShards,
  slotToken,
  statsKey,
  COUNTER_SHARDS,
  counterShards,
  statsPartition,
  statsRange,
  stepOfCheckpointSortKey,
  tenantDirectoryKey,
  waitingKeyIndexKeys,
} from './table-keys.ts';

/**
 * The key layout as docs/architecture.md and table-keys.ts's map write it down: each builder
 * gives the literal key, and each parser takes back what its builder made. Expected keys are
 * spelled here, not computed, so a changed layout fails until the map and this test agree.
 */
describe('key layout', () => {
  it('keeps a job, its checkpoints and its log lines in the job’s partition', () => {
    expect(jobPartition('j1')).toBe('J#j1');
    expect(jobKey('j1')).toEqual({ pk: 'J#j1', sk: 'J' });
    expect(jobIdOfPk('J#j1')).toBe('j1');
    expect(checkpointKey('j1', 'step-1')).toEqual({ pk: 'J#j1', sk: 'C#step-1' });
    expect(stepOfCheckpointSortKey('C#step-1')).toBe('step-1');
    expect(logSortKey(1_700_000_000_000, 7)).toBe('L#1700000000000#000007');
  });

  it('hands out a log line’s position without its prefix and takes it back', () => {
    expect(logPositionOf('L#1700000000000#000007#ab12')).toBe('1700000000000#000007#ab12');
    expect(logSortKeyAt('1700000000000#000007#ab12')).toBe('L#1700000000000#000007#ab12');
    expect(logRange(5, 60_000)).toEqual(['L#0000000000005', 'L#0000000060000~']);
    expect(LOG_SORT_KEY_PATTERN.test('L#1700000000000#000007#ab12')).toBe(true);
    expect(LOG_SORT_KEY_PATTERN.test('L#1700000000000#000007')).toBe(true);
    expect(LOG_SORT_KEY_PATTERN.test('C#1700000000000#000007')).toBe(false);
    expect(LOG_SORT_KEY_PATTERN.test('L#170000000000#000007')).toBe(false);
    // Anchored both ends: a cursor position is a whole sort key, nothing before or after it.
    expect(LOG_SORT_KEY_PATTERN.test('xL#1700000000000#000007')).toBe(false);
    expect(LOG_SORT_KEY_PATTERN.test('L#1700000000000#000007#ab12#zz')).toBe(false);
  });

  it('lists a tenant’s jobs in four listings, root user jobs first', () => {
    expect(LISTINGS).toEqual([
      { system: false, child: false },
      { system: false, child: true },
      { system: true, child: false },
      { system: true, child: true },
    ]);
  });

  it('keeps cascade markers, adopting children and sessions where the sweeper and the monitor look', () => {
    // root-a hashes to 6 of 8 (worked by hand, as above).
    expect(cascadeShard(3)).toBe('X#3');
    expect(cascadeKey('root-a')).toEqual({ pk: 'X#6', sk: 'root-a' });
    expect(adoptingShard(2)).toBe('A#2');
    expect(adoptingPartition('root-a')).toBe('A#6');
    expect(sessionKey('mac-1')).toEqual({ pk: 'S#mac-1', sk: 'S' });
  });

  it('buckets statistics per tenant and minute, over eight counter shards whose first is the tenant’s own partition', () => {
    expect(COUNTER_SHARDS).toBe(8);
    expect(counterShards).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(statsPartition('acme', 0)).toBe('T#acme');
    expect(statsPartition('acme', 7)).toBe('T#acme#7');
    expect(statsKey('acme', 120_000, 0)).toEqual({ pk: 'T#acme', sk: 'ST#0000000120000' });
    expect(statsKey('acme', 120_000, 3)).toEqual({ pk: 'T#acme#3', sk: 'ST#0000000120000' });
    expect(statsRange(61_000, 179_999)).toEqual(['ST#0000000060000', 'ST#0000000120000']);
  });

  it('keys api keys by hash, lists them by id, and lists tenants', () => {
    expect(apiKeyKey('h4sh')).toEqual({ pk: 'K#h4sh', sk: 'K' });
    expect(apiKeyListingKey('k1')).toEqual({ pk: 'KEYS', sk: 'k1' });
    expect(tenantDirectoryKey('acme')).toEqual({ pk: 'TENANTS', sk: 'acme' });
  });

  it('keys schedules by tenant and id, and parses them back, an id holding # included', () => {
    expect(scheduleKey('acme', 'nightly')).toEqual({ pk: 'SC', sk: 'acme#nightly' });
    expect(scheduleKeyAt('acme#nightly')).toEqual({ pk: 'SC', sk: 'acme#nightly' });
    expect(scheduleOfSortKey('acme#nightly-export#2')).toEqual({ tenant: 'acme', scheduleId: 'nightly-export#2' });
    expect(dueSortKey(5, 'acme', 'nightly')).toBe('0000000000005#acme#nightly');
    expect(dueRange(5)).toEqual(['0', '0000000000005#~']);
    expect(dueSortKey(5, 'acme', 'nightly') <= dueRange(5)[1]).toBe(true);
    expect(dueSortKey(6, 'acme', 'nightly') <= dueRange(5)[1]).toBe(false);
  });

  it('takes the job id out of the list, ready-set and run-record sort keys', () => {
    expect(jobOfCreateSortKey('0000000000005#job-1')).toBe('job-1');
    expect(jobOfReadySortKey('0000000000005#job-1')).toBe('job-1');
    expect(jobOfRunRecordSortKey('0000000000005#job-1')).toBe('job-1');
    expect(parseLaneSortKey('000000000000042#root-1')).toEqual({ vtime: 42, rootId: 'root-1' });
  });

  it('spreads in-flight entries over 32 shards and lane entries over 16, by root, shard 0 of a lane without a suffix', () => {
    expect(IN_FLIGHT_SHARDS).toBe(32);
    expect(LANE_SHARDS).toBe(16);
    // Hashes worked by hand: root-a → 22 of 32 (6 of 8, the shard it had before), 6 of 16.
    expect(inFlightPartition('root-a')).toBe('I#22');
    expect(inFlightPartition('0mx3af4c6ki4305m19tyqpk71')).toBe('I#24');
    expect(rootLanePartition('normal', 'root-a')).toBe('Q#normal#6');
    expect(rootLanePartition('low', '0mx3af4c6ki4305m19tyqpk71')).toBe('Q#low#8');
    expect(laneShards.map((shard) => lanePartition('normal', shard)).slice(0, 3)).toEqual(['Q#normal', 'Q#normal#1', 'Q#normal#2']);
  });

  it('marks a ready entry whose type has a concurrency limit, and parses both kinds back', () => {
    expect(readySortKey(5, 'job-1')).toBe('0000000000005#job-1');
    expect(readySortKey(5, 'job-1', true)).toBe('0000000000005#job-1#C');
    expect(readyEntryOf('0000000000005#job-1#C')).toEqual({ id: 'job-1', limited: true });
    expect(readyEntryOf('0000000000005#job-1')).toEqual({ id: 'job-1', limited: false });
    expect(jobOfReadySortKey('0000000000005#job-1#C')).toBe('job-1');
  });

  it('keys a concurrency key’s slots, its waiting jobs and its waiting mark by tenant, type and key, a key holding # included', () => {
    expect(concurrencyKeyItem('acme', 'EXPORT', 'cust#1')).toEqual({ pk: 'CK#acme#EXPORT#cust#1', sk: 'CK' });
    expect(blockedPartition('acme', 'EXPORT', 'cust#1')).toBe('B#acme#EXPORT#cust#1');
    expect(blockedSortKey(5, 'j1')).toBe('0000000000005#j1');
    expect(jobOfBlockedSortKey('0000000000005#j1')).toBe('j1');
    expect(waitingKeyIndexKeys('acme', 'EXPORT', 'cust#1')).toEqual({ gsi5pk: `G#${shardOf('acme#EXPORT#cust#1')}`, gsi5sk: 'acme#EXPORT#cust#1' });
    expect(slotToken('j1', 5)).toBe('j1#0000000000005');
    expect(parseSlotToken('j1#0000000000005')).toEqual({ jobId: 'j1', takenAt: 5 });
  });

  it('keeps delayed jobs due first in their shard', () => {
    expect(delayedPartition('j1')).toBe(`N#${shardOf('j1')}`);
    expect(delayedSortKey(5, 'j1')).toBe('0000000000005#j1');
    expect(delayedDueRange(5)).toEqual(['0000000000000', '0000000000005#~']);
    expect(delayedSortKey(5, 'j1') <= delayedDueRange(5)[1]).toBe(true);
    expect(delayedSortKey(6, 'j1') <= delayedDueRange(5)[1]).toBe(false);
  });

  it('keys events and their waiters by tenant, name and key, a key holding # included', () => {
    expect(eventKey('acme', 'export.approved', 'k#1', 'e1')).toEqual({ pk: 'E#acme#export.approved#k#1', sk: 'e1' });
    expect(eventWaiterKey('acme', 'export.approved', 'k#1', 'j1')).toEqual({ pk: 'EW#acme#export.approved#k#1', sk: 'j1' });
    expect(chaosExecutionKey('j1', 'tok', 's0', 'x1')).toEqual({ pk: 'CHAOS#j1', sk: 'tok#s0#x1' });
  });

  it('tells an item’s kind and a job’s dispatch set from their keys', () => {
    expect(itemKindOf({ pk: 'J#j1', sk: 'J' })).toBe('job');
    expect(itemKindOf({ pk: 'J#j1', sk: 'C#s0' })).toBe('checkpoint');
    expect(itemKindOf({ pk: 'J#j1', sk: 'L#0000000000005#000001' })).toBe('log');
    expect(itemKindOf({ pk: 'J#j1', sk: 'X' })).toBe('other');
    expect(itemKindOf({ pk: 'F#root', sk: 'L#normal' })).toBe('rootLane');
    expect(itemKindOf({ pk: 'CHAOS#j1', sk: 'tok#s0#x1' })).toBe('chaosExecution');
    expect(itemKindOf({ pk: 'T#acme', sk: 'SUM#u' })).toBe('other');
    expect(
      (['R#normal#root', 'I#3', 'W#3', 'A#3', 'N#3', 'B#acme#EXPORT#k', undefined] as const).map((gsi5pk) =>
        dispatchSetOf(gsi5pk === undefined ? {} : { gsi5pk }),
      ),
    ).toEqual(['ready', 'inFlight', 'parked', 'adopting', 'delayed', 'blocked', undefined]);
  });
});
