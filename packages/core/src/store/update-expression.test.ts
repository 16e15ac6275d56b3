import { describe, expect, it } from 'vitest';
import { buildUpdate } from './update-expression.ts';

describe('buildUpdate', () => {
  it('adds to and deletes from string sets, leaving out empty ones', () => {
    const parts = buildUpdate({
      add: { childrenTotal: 1, pendingAdoptions: new Set(['c1']), none: new Set() },
      delete: { waiting: new Set(['c0']), empty: new Set() },
    });
    expect(parts.UpdateExpression).toBe('ADD #childrenTotal :a_childrenTotal, #pendingAdoptions :a_pendingAdoptions DELETE #waiting :d_waiting');
    expect(parts.ExpressionAttributeValues).toEqual({ ':a_childrenTotal': 1, ':a_pendingAdoptions': new Set(['c1']), ':d_waiting': new Set(['c0']) });
  });

  it('builds SET, ADD and REMOVE clauses with a condition', () => {
    const parts = buildUpdate({
      set: { status: 'RUNNING', skipped: undefined },
      setRaw: { version: '#version + :one' },
      add: { childrenDone: 1, zero: 0 },
      remove: ['gsi5pk'],
      condition: '#status = :pending AND #leaseEpoch = :epoch',
      values: { ':one': 1, ':pending': 'PENDING', ':epoch': 3 },
    });
    expect(parts.UpdateExpression).toBe('SET #status = :s_status, #version = #version + :one ADD #childrenDone :a_childrenDone REMOVE #gsi5pk');
    expect(parts.ConditionExpression).toBe('#status = :pending AND #leaseEpoch = :epoch');
    expect(parts.ExpressionAttributeNames).toEqual({
      '#status': 'status',
      '#version': 'version',
      '#childrenDone': 'childrenDone',
      '#gsi5pk': 'gsi5pk',
      '#leaseEpoch': 'leaseEpoch',
    });
    expect(parts.ExpressionAttributeValues).toEqual({
      ':one': 1,
      ':pending': 'PENDING',
      ':epoch': 3,
      ':s_status': 'RUNNING',
      ':a_childrenDone': 1,
    });
  });

  it('joins several ADD and REMOVE actions, and writes no condition or values it was not given', () => {
    const parts = buildUpdate({ add: { a: 1, b: -2 }, remove: ['x', 'y'] });
    expect(parts).toEqual({
      UpdateExpression: 'ADD #a :a_a, #b :a_b REMOVE #x, #y',
      ExpressionAttributeNames: { '#a': 'a', '#b': 'b', '#x': 'x', '#y': 'y' },
      ExpressionAttributeValues: { ':a_a': 1, ':a_b': -2 },
    });
    expect(buildUpdate({ remove: ['x'] })).toEqual({ UpdateExpression: 'REMOVE #x', ExpressionAttributeNames: { '#x': 'x' } });
  });

  it('refuses an update that changes nothing', () => {
    expect(() => buildUpdate({ set: { a: undefined } })).toThrow('empty update');
  });
});
