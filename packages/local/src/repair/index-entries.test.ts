import { buildUpdate } from '@stint/core/store';
import { describe, expect, it } from 'vitest';
import { diffIndexes, entryOf, placeholderItem, restoreSpec, rewriteSpec, staleRounds, takeStaleKeysSpec, type IndexEntry } from './index-entries.ts';

const job = {
  pk: 'J#a',
  sk: 'J',
  gsi1pk: 'T#acme#u',
  gsi1sk: '1#a',
  gsi2pk: 'T#acme#u#S#PENDING',
  gsi2sk: '1#a',
  gsi5pk: 'R#normal#a',
  gsi5sk: '5#a',
};
const entry = (index: string, partition: string, sort: string, pk = 'J#a'): IndexEntry => ({ index, partition, sort, pk, sk: 'J' });

describe('index entries against items', () => {
  it('finds the entries an item misses and the ones no item calls for', () => {
    const found = [
      entry('gsi1', 'T#acme#u', '1#a'),
      // The status entry of a write that never reached the item; the PENDING one is gone.
      entry('gsi2', 'T#acme#u#S#STOPPED', '1#a'),
      // An entry for a job whose item was never written.
      entry('gsi1', 'T#acme#u', '2#b', 'J#b'),
    ];
    const diff = diffIndexes([job, { pk: 'T#acme', sk: 'SUM', total: 1 }], found);
    expect(diff.incomplete).toEqual([job]);
    expect(diff.missingEntries).toBe(2);
    expect(diff.stale).toEqual([
      { pk: 'J#a', sk: 'J', entries: [entry('gsi2', 'T#acme#u#S#STOPPED', '1#a')] },
      { pk: 'J#b', sk: 'J', entries: [entry('gsi1', 'T#acme#u', '2#b', 'J#b')] },
    ]);
  });

  it('reads an entry from a KEYS_ONLY scan of its index', () => {
    expect(entryOf('gsi5', { gsi5pk: 'I#3', gsi5sk: 'r#a', pk: 'J#a', sk: 'J' })).toEqual(entry('gsi5', 'I#3', 'r#a'));
  });

  it('drops stale entries of one item one per index at a time', () => {
    const group = { pk: 'J#a', sk: 'J', entries: [entry('gsi2', 'x', '1'), entry('gsi2', 'y', '1'), entry('gsi5', 'z', '1')] };
    expect(staleRounds(group)).toEqual([[entry('gsi2', 'x', '1'), entry('gsi5', 'z', '1')], [entry('gsi2', 'y', '1')]]);
  });

  it('rewrites an item on the key it already holds, and only while it holds it', () => {
    expect(buildUpdate(rewriteSpec(job)!)).toEqual({
      UpdateExpression: 'SET #gsi1pk = :s_gsi1pk',
      ConditionExpression: '#gsi1pk = :current',
      ExpressionAttributeNames: { '#gsi1pk': 'gsi1pk' },
      ExpressionAttributeValues: { ':s_gsi1pk': 'T#acme#u', ':current': 'T#acme#u' },
    });
    expect(rewriteSpec({ pk: 'T#acme', sk: 'SUM' })).toBeNull();
  });

  it('moves an item onto stale keys keeping its own, then back, removing keys it never had', () => {
    const take = takeStaleKeysSpec(job, [entry('gsi2', 'T#acme#u#S#STOPPED', '1#a'), entry('gsi4', 'P#x', '9#a')]);
    expect(take.set).toMatchObject({ gsi2pk: 'T#acme#u#S#STOPPED', gsi2sk: '1#a', gsi4pk: 'P#x', gsi4sk: '9#a' });
    expect(take.condition).toBe(
      'attribute_not_exists(#repairRestore) AND #gsi2pk = :was0 AND #gsi2sk = :was1 AND attribute_not_exists(#gsi4pk) AND attribute_not_exists(#gsi4sk)',
    );
    const restore = take.set!.repairRestore as string;
    expect(JSON.parse(restore)).toEqual({ gsi2pk: 'T#acme#u#S#PENDING', gsi2sk: '1#a', gsi4pk: null, gsi4sk: null });
    expect(restoreSpec(restore)).toEqual({
      set: { gsi2pk: 'T#acme#u#S#PENDING', gsi2sk: '1#a' },
      remove: ['gsi4pk', 'gsi4sk', 'repairRestore'],
      condition: '#repairRestore = :restore',
      values: { ':restore': restore },
    });
  });

  it('holds a placeholder on the stale keys of a key with no item, marked for deletion', () => {
    expect(placeholderItem({ pk: 'J#b', sk: 'J' }, [entry('gsi1', 'T#acme#u', '2#b', 'J#b')])).toEqual({
      pk: 'J#b',
      sk: 'J',
      gsi1pk: 'T#acme#u',
      gsi1sk: '2#b',
      repairPlaceholder: true,
    });
  });
});
