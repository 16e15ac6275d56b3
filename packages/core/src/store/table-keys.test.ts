import { describe, expect, it } from 'vitest';
import { childJobId, newJobId, newJobRecord } from '../new-job.ts';
import {
  chargeShardOf,
  checkpointKey,
  createSortKey,
  dueSortKey,
  idempotencyKey,
  inFlightPartition,
  inFlightPartitionOf,
  inFlightSortKey,
  jobKey,
  lanePartition,
  laneSortKey,
  logSortKey,
  minuteOf,
  parentPartition,
  parentPartitionOf,
  parentPartitions,
  parkedPartition,
  readyPartitionOf,
  rootLaneKey,
  rootLanesOf,
  rootShardsRead,
  scheduleKey,
  jobOfRunRecordSortKey,
  runRecordKey,
  seenKey,
  shardOf,
  SHARDS,
  statsKey,
  listIndexKeys,
  listPartitions,
  statusIndexKeys,
  statusPartitions,
  typePartitions,
  summaryKey,
} from './table-keys.ts';

describe('table keys', () => {
  it('sorts create keys by time as strings', () => {
    expect(createSortKey(9, 'a') < createSortKey(10, 'a')).toBe(true);
    expect(laneSortKey(99, 'r') < laneSortKey(100, 'r')).toBe(true);
  });

  it('spreads ids over the shards deterministically', () => {
    const shards = new Set(Array.from({ length: 200 }, (_, i) => shardOf(`job-${i}`)));
    expect(shards.size).toBe(SHARDS);
    expect(shardOf('x')).toBe(shardOf('x'));
  });

  // The layout the header comment of table-keys.ts documents, written out here by hand.
  it.each([
    ['job', jobKey('j1'), { pk: 'J#j1', sk: 'J' }],
    ['step checkpoint', checkpointKey('j1', 'load'), { pk: 'J#j1', sk: 'C#load' }],
    ['log line', logSortKey(1_700_000_000_123, 42), 'L#1700000000123#000042'],
    ['root lane', rootLaneKey('r1', 'low'), { pk: 'F#r1', sk: 'L#low' }],
    ['root lane, a tree’s charge shard', rootLaneKey('r1', 'low', 3), { pk: 'F#r1#3', sk: 'L#low' }],
    ['charge shard, the root’s own slice', chargeShardOf({ id: 'r1', rootId: 'r1' }), 0],
    ['charge shard, a child’s (never the first)', chargeShardOf({ id: 'j1', rootId: 'r1' }), 4],
    ['charge shard, another child’s', chargeShardOf({ id: 'x5', rootId: 'r1' }), 1],
    ['root lane items, every shard', rootLanesOf('r1'), { pks: ['F#r1', 'F#r1#1', 'F#r1#2', 'F#r1#3', 'F#r1#4', 'F#r1#5', 'F#r1#6', 'F#r1#7'], prefix: 'L#' }],
    ['summary counters of root user jobs', summaryKey('acme', { system: false, child: false }, 0), { pk: 'T#acme', sk: 'SUM#u' }],
    ['summary counters of system jobs’ children, shard 2', summaryKey('acme', { system: true, child: true }, 2), { pk: 'T#acme#2', sk: 'SUM#sc' }],
    ['stats bucket', statsKey('acme', 60_000, 0), { pk: 'T#acme', sk: 'ST#0000000060000' }],
    ['stats bucket, shard 5', statsKey('acme', 60_000, 5), { pk: 'T#acme#5', sk: 'ST#0000000060000' }],
    ['idempotency key', idempotencyKey('acme', 'k-1'), { pk: 'I#acme#k-1', sk: 'I' }],
    ['schedule', scheduleKey('acme', 'nightly'), { pk: 'SC', sk: 'acme#nightly' }],
    ['run seen by', seenKey('key-1', 'j1'), { pk: 'V#key-1', sk: 'j1' }],
    ['schedule due', dueSortKey(5, 'acme', 'nightly'), '0000000000005#acme#nightly'],
    ['run record', runRecordKey('acme', 'nightly', 1_700_000_000_123, 'j1'), { pk: 'H#acme#nightly', sk: '1700000000123#j1' }],
    ['job of a run record', jobOfRunRecordSortKey('1700000000123#j1'), 'j1'],
    ['in flight, partition (of 32)', inFlightPartition('root-a'), 'I#22'],
    ['in flight, sort key', inFlightSortKey('root-a', 'j1'), 'root-a#j1'],
    ['in flight, a root in its own shard', inFlightPartitionOf({ id: 'r1', rootId: 'r1' }), 'I#31'],
    ['in flight, a child in one of its root’s shards (wrapping past 31)', inFlightPartitionOf({ id: 'j1', rootId: 'r1' }), 'I#6'],
    ['ready, a root in shard 0 unsuffixed', readyPartitionOf('normal', { id: 'r1', rootId: 'r1' }), 'R#normal#r1'],
    ['ready, a child in its shard', readyPartitionOf('low', { id: 'c1', rootId: 'r1' }), 'R#low#r1#6'],
    ['ready, a child in shard 0', readyPartitionOf('normal', { id: 'k3', rootId: 'r1' }), 'R#normal#r1'],
    ['root shards a tree’s dispatch reads', rootShardsRead(true), [0, 1, 2, 3, 4, 5, 6, 7]],
    ['root shards a lone root’s dispatch reads', rootShardsRead(false), [0]],
    ['parked', parkedPartition('root-a'), 'W#6'],
    ['children, shard 0 unsuffixed', parentPartition('p1'), 'P#p1'],
    ['children, shard 3', parentPartition('p1', 3), 'P#p1#3'],
    ['children, every partition', parentPartitions('p1'), ['P#p1', 'P#p1#1', 'P#p1#2', 'P#p1#3']],
    // Shard hashOf(id) % 4, worked by hand: 'k3' 3368 → 0, 'a2' 3057 → 1, 'c1' 3118 → 2, 'j1' 3335 → 3.
    ['children, a child in shard 0', parentPartitionOf({ id: 'k3', parentId: 'p1' }), 'P#p1'],
    ['children, a child in shard 1', parentPartitionOf({ id: 'a2', parentId: 'p1' }), 'P#p1#1'],
    ['children, a child in shard 2', parentPartitionOf({ id: 'c1', parentId: 'p1' }), 'P#p1#2'],
    ['children, a child in shard 3', parentPartitionOf({ id: 'j1', parentId: 'p1' }), 'P#p1#3'],
    ['lane, shard 0', lanePartition('normal', 0), 'Q#normal'],
    ['lane, shard 9', lanePartition('low', 9), 'Q#low#9'],
    ['lane entry', laneSortKey(1_001, 'r1'), '000000000001001#r1'],
    [
      'status index',
      statusIndexKeys({ tenant: 'acme', system: true, parentId: null, createDate: 3, id: 'j1' }, 'RUNNING'),
      { gsi2pk: 'T#acme#s#S#RUNNING#3', gsi2sk: '0000000000003#j1' },
    ],
    [
      'status index, shard 0 unsuffixed',
      statusIndexKeys({ tenant: 'acme', system: false, parentId: null, createDate: 3, id: 'j2' }, 'PENDING'),
      { gsi2pk: 'T#acme#u#S#PENDING', gsi2sk: '0000000000003#j2' },
    ],
    [
      'status index, an unsharded status',
      statusIndexKeys({ tenant: 'acme', system: false, parentId: null, createDate: 3, id: 'j1' }, 'STOPPED'),
      { gsi2pk: 'T#acme#u#S#STOPPED', gsi2sk: '0000000000003#j1' },
    ],
    [
      'every partition of a sharded status',
      statusPartitions('acme', { system: false, child: false }, 'RUNNING'),
      ['T#acme#u#S#RUNNING', 'T#acme#u#S#RUNNING#1', 'T#acme#u#S#RUNNING#2', 'T#acme#u#S#RUNNING#3'],
    ],
    ['the one partition of another status', statusPartitions('acme', { system: false, child: false }, 'FINISHED'), ['T#acme#u#S#FINISHED']],
    [
      'a child listing’s RUNNING, over 8',
      statusPartitions('acme', { system: false, child: true }, 'RUNNING'),
      ['', '#1', '#2', '#3', '#4', '#5', '#6', '#7'].map((suffix) => `T#acme#uc#S#RUNNING${suffix}`),
    ],
    [
      'a child listing’s other statuses, over 4',
      statusPartitions('acme', { system: true, child: true }, 'FINISHED'),
      ['T#acme#sc#S#FINISHED', 'T#acme#sc#S#FINISHED#1', 'T#acme#sc#S#FINISHED#2', 'T#acme#sc#S#FINISHED#3'],
    ],
    ['a root listing’s list, one partition', listPartitions('acme', { system: false, child: false }), ['T#acme#u']],
    ['a child listing’s list, over 4', listPartitions('acme', { system: false, child: true }), ['T#acme#uc', 'T#acme#uc#1', 'T#acme#uc#2', 'T#acme#uc#3']],
    ['a child listing’s type, over 4', typePartitions('acme', { system: false, child: true }, 'IMPORT').at(-1), 'T#acme#uc#Y#IMPORT#3'],
    [
      'list and type index of a root, unsharded',
      listIndexKeys({ tenant: 'acme', system: false, parentId: null, createDate: 3, id: 'c1', type: 'IMPORT' }),
      { gsi1pk: 'T#acme#u', gsi1sk: '0000000000003#c1', gsi3pk: 'T#acme#u#Y#IMPORT', gsi3sk: '0000000000003#c1' },
    ],
    [
      'list and type index of a child, in its shard',
      listIndexKeys({ tenant: 'acme', system: false, parentId: 'p1', createDate: 3, id: 'c1', type: 'IMPORT' }),
      { gsi1pk: 'T#acme#uc#2', gsi1sk: '0000000000003#c1', gsi3pk: 'T#acme#uc#Y#IMPORT#2', gsi3sk: '0000000000003#c1' },
    ],
    [
      'status index of a child, PENDING past the root listings’ 4 shards',
      statusIndexKeys({ tenant: 'acme', system: false, parentId: 'p1', createDate: 3, id: 'c8' }, 'PENDING').gsi2pk,
      'T#acme#uc#S#PENDING#5',
    ],
    [
      'status index of a child, an ended status in its shard',
      statusIndexKeys({ tenant: 'acme', system: false, parentId: 'p1', createDate: 3, id: 'c2' }, 'FINISHED').gsi2pk,
      'T#acme#uc#S#FINISHED#3',
    ],
  ])('%s', (_, key, expected) => {
    expect(key).toEqual(expected);
  });

  it('keeps each id on the shard earlier versions wrote it to', () => {
    // Shards are part of stored keys (in-flight and parked entries): a changed hash would strand them.
    expect(['0mx3af4c6ki4305m19tyqpk71', 'root-a', 'job-17', '0mx3co7x1x9n8xv8ahg2t6wyb'].map(shardOf)).toEqual([0, 6, 6, 1]);
  });

  it('rounds to the minute', () => {
    expect(minuteOf(125_000)).toBe(120_000);
  });
});

describe('job ids', () => {
  it('orders root ids by creation time', () => {
    expect(newJobId(1_000) < newJobId(2_000)).toBe(true);
  });

  it('derives the same child id for the same spawn and a new one for a new run', () => {
    expect(childJobId('p', 0, 1)).toBe(childJobId('p', 0, 1));
    expect(childJobId('p', 0, 1)).not.toBe(childJobId('p', 1, 1));
    expect(childJobId('p', 0, 1)).not.toBe(childJobId('p', 0, 2));
  });
});

describe('newJobRecord', () => {
  it('writes every index key of a pending child in its root ready set', () => {
    const record = newJobRecord(
      {
        id: 'c1',
        type: 'EXECUTE_ACTION',
        label: 'chunk',
        tenant: 'acme',
        system: false,
        data: {},
        runBy: null,
        lowPriority: true,
        parentId: 'p1',
        rootId: 'r1',
        createDate: 5,
      },
      { readyAt: 7 },
    );
    expect(record).toMatchObject({
      pk: 'J#c1',
      sk: 'J',
      status: 'PENDING',
      // A child is listed apart from root jobs (the main list holds roots), in its shards.
      gsi1pk: 'T#acme#uc#2',
      gsi2pk: 'T#acme#uc#S#PENDING#6',
      gsi3pk: 'T#acme#uc#Y#EXECUTE_ACTION#2',
      gsi4pk: 'P#p1#2',
      gsi5pk: 'R#low#r1#6',
      gsi5sk: '0000000000007#c1',
    });
  });
});
