import { describe, expect, it } from 'vitest';
import { buildUpdate } from '../store/update-expression.ts';
import { NEW_RECIPIENTS_PER_DAY, newDaySpec, quotaDay, sameDaySpec } from './recipient-quota.ts';

describe('the daily allowance of new report addresses', () => {
  it('is counted per UTC day', () => {
    expect(quotaDay(Date.parse('2026-03-01T23:59:59Z'))).toBe('2026-03-01');
    expect(quotaDay(Date.parse('2026-03-02T00:00:00Z'))).toBe('2026-03-02');
  });

  it('adds to today’s count only while the new total stays within the allowance', () => {
    expect(buildUpdate(sameDaySpec('2026-03-01', 12))).toEqual({
      UpdateExpression: 'ADD #recipientsAdded :a_recipientsAdded',
      ConditionExpression: 'attribute_exists(#pk) AND #recipientsDay = :day AND #recipientsAdded <= :room',
      ExpressionAttributeNames: { '#recipientsAdded': 'recipientsAdded', '#pk': 'pk', '#recipientsDay': 'recipientsDay' },
      ExpressionAttributeValues: { ':a_recipientsAdded': 12, ':day': '2026-03-01', ':room': NEW_RECIPIENTS_PER_DAY - 12 },
    });
  });

  it('starts a new day’s count from the addresses of the save that opens it', () => {
    expect(buildUpdate(newDaySpec('2026-03-02', 3))).toMatchObject({
      UpdateExpression: 'SET #recipientsDay = :s_recipientsDay, #recipientsAdded = :s_recipientsAdded',
      ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#recipientsDay) OR #recipientsDay <> :day)',
      ExpressionAttributeValues: { ':s_recipientsDay': '2026-03-02', ':s_recipientsAdded': 3, ':day': '2026-03-02' },
    });
  });
});
