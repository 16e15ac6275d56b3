import { describe, expect, it } from 'vitest';
import { childJobId, newJobId, newJobRecord } from './new-job.ts';
import { createSortKey, laneSortKey, minuteOf, shardOf, SHARDS } from './table-keys.ts';

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
      // A child is listed apart from root jobs: the main list holds roots.
      gsi1pk: 'T#acme#uc',
      gsi2pk: 'T#acme#uc#S#PENDING',
      gsi3pk: 'T#acme#uc#Y#EXECUTE_ACTION',
      gsi4pk: 'P#p1',
      gsi5pk: 'R#low#r1',
      gsi5sk: '0000000000007#c1',
    });
  });
});
