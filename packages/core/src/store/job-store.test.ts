import { describe, expect, it } from 'vitest';
import { buildIndexQuery } from './job-store.ts';

describe('buildIndexQuery', () => {
  it('reads one partition of an index, in the order asked for', () => {
    expect(buildIndexQuery('t', { index: 'gsi2', partition: 'T#acme#u#S#FINISHED', ascending: false, limit: 5 })).toEqual({
      TableName: 't',
      IndexName: 'gsi2',
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'gsi2pk' },
      ExpressionAttributeValues: { ':pk': 'T#acme#u#S#FINISHED' },
      ScanIndexForward: false,
      Limit: 5,
    });
  });

  it('counts only entries whose projected flag is true', () => {
    expect(buildIndexQuery('t', { index: 'gsi2', partition: 'p', countOnly: true, whereTrue: 'hasErrors' })).toEqual({
      TableName: 't',
      IndexName: 'gsi2',
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'gsi2pk', '#where': 'hasErrors' },
      ExpressionAttributeValues: { ':pk': 'p', ':true': true },
      FilterExpression: '#where = :true',
      ScanIndexForward: true,
      Select: 'COUNT',
    });
  });

  it('bounds the sort key by a prefix or a range', () => {
    expect(buildIndexQuery('t', { index: 'gsi5', partition: 'I#3', prefix: 'r1#' })).toMatchObject({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': 'gsi5pk', '#sk': 'gsi5sk' },
      ExpressionAttributeValues: { ':pk': 'I#3', ':prefix': 'r1#' },
    });
    expect(buildIndexQuery('t', { index: 'gsi1', partition: 'p', between: ['a', 'b'] })).toMatchObject({
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
      ExpressionAttributeValues: { ':pk': 'p', ':lo': 'a', ':hi': 'b' },
    });
  });
});
