import { describe, expect, it } from 'vitest';
import { indexKeysAfterUpdate, indexUnitsByPartition, itemWrites, readOf, type IndexKeys } from './key-touches.ts';

const T = 'jobs';

describe('itemWrites', () => {
  it('reads a put’s index partitions from its item, and what the item held before from the meter', () => {
    const known: Record<string, IndexKeys> = { 'J#1\u0000J': { gsi5: 'I#2' } };
    const writes = itemWrites(
      'PutItemCommand',
      { TableName: T, Item: { pk: 'J#1', sk: 'J', gsi1pk: 'T#a#u', gsi5pk: 'R#normal#1', other: 1 } },
      T,
      (id) => known[id],
    );
    expect(writes).toEqual([{ item: 'J#1\u0000J', pk: 'J#1', before: { gsi5: 'I#2' }, after: { gsi1: 'T#a#u', gsi5: 'R#normal#1' } }]);
  });

  it('follows an update’s SET and REMOVE of index keys, by attribute name or #name', () => {
    const input = {
      Key: { pk: 'J#1', sk: 'J' },
      UpdateExpression: 'SET #status = :s, #gsi2pk = :g, gsi1pk = :l ADD #version :one REMOVE #gsi5pk, #gsi5sk',
      ExpressionAttributeNames: { '#status': 'status', '#gsi2pk': 'gsi2pk', '#gsi5pk': 'gsi5pk', '#gsi5sk': 'gsi5sk', '#version': 'version' },
      ExpressionAttributeValues: { ':s': 'RUNNING', ':g': 'T#a#u#S#RUNNING', ':l': 'T#a#u', ':one': 1 },
    };
    expect(indexKeysAfterUpdate({ gsi2: 'T#a#u#S#PENDING', gsi5: 'I#1', gsi3: 'T#a#u#Y#X' }, input)).toEqual({
      gsi1: 'T#a#u',
      gsi2: 'T#a#u#S#RUNNING',
      gsi3: 'T#a#u#Y#X',
    });
  });

  it('treats a delete as leaving every index, and splits a batch into its items', () => {
    const input = {
      RequestItems: { [T]: [{ DeleteRequest: { Key: { pk: 'J#1', sk: 'J' } } }, { PutRequest: { Item: { pk: 'J#2', sk: 'J', gsi4pk: 'P#1' } } }] },
    };
    const writes = itemWrites('BatchWriteItemCommand', input, T, () => ({ gsi4: 'P#0' }));
    expect(writes.map((w) => [w.pk, w.before, w.after])).toEqual([
      ['J#1', { gsi4: 'P#0' }, undefined],
      ['J#2', { gsi4: 'P#0' }, { gsi4: 'P#1' }],
    ]);
  });

  it('is empty for a request that writes nothing', () => {
    expect(itemWrites('QueryCommand', { TableName: T }, T, () => undefined)).toEqual([]);
  });
});

describe('indexUnitsByPartition', () => {
  it('charges a moved entry half to the partition it leaves and half to the one it enters', () => {
    const writes = [{ item: 'a', pk: 'J#a', before: { gsi2: 'S#PENDING' }, after: { gsi2: 'S#RUNNING' } }];
    expect(Object.fromEntries(indexUnitsByPartition(writes, 'gsi2', 2))).toEqual({ 'S#PENDING': 1, 'S#RUNNING': 1 });
  });

  it('charges an entry written in place, created or removed to its one partition', () => {
    const writes = [
      { item: 'a', pk: 'J#a', before: { gsi2: 'S#FINISHED' }, after: { gsi2: 'S#FINISHED' } },
      { item: 'b', pk: 'J#b', before: undefined, after: { gsi2: 'S#PENDING' } },
      { item: 'c', pk: 'J#c', before: { gsi2: 'S#RUNNING' }, after: undefined },
    ];
    expect(Object.fromEntries(indexUnitsByPartition(writes, 'gsi2', 3))).toEqual({ 'S#FINISHED': 1, 'S#PENDING': 1, 'S#RUNNING': 1 });
  });

  it('keeps units it cannot place under "?" rather than dropping them', () => {
    expect(Object.fromEntries(indexUnitsByPartition([{ item: 'a', pk: 'J#a', before: undefined, after: {} }], 'gsi5', 1))).toEqual({ '?': 1 });
  });
});

describe('readOf', () => {
  it('names the partition of a get, a batch get and a query on the table or an index', () => {
    expect(readOf('GetItemCommand', { Key: { pk: 'J#1', sk: 'J' } }, T)).toEqual({ index: 'table', keys: ['J#1'] });
    expect(
      readOf(
        'BatchGetItemCommand',
        {
          RequestItems: {
            [T]: {
              Keys: [
                { pk: 'T#a', sk: 'SUM#u' },
                { pk: 'T#b', sk: 'SUM#u' },
              ],
            },
          },
        },
        T,
      ),
    ).toEqual({
      index: 'table',
      keys: ['T#a', 'T#b'],
    });
    expect(
      readOf(
        'QueryCommand',
        { IndexName: 'gsi5', KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :p)', ExpressionAttributeValues: { ':pk': 'Q#normal', ':p': '0' } },
        T,
      ),
    ).toEqual({ index: 'gsi5', keys: ['Q#normal'] });
    expect(readOf('PutItemCommand', {}, T)).toBeUndefined();
  });
});
