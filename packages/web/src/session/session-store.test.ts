import { describe, expect, it } from 'vitest';
import { deleteSessionInput, getSessionInput, putSessionInput } from './session-store.ts';

const MAC = 'm'.repeat(43);

describe('session items', () => {
  it('are keyed by the session’s MAC and hold only their expiry, in TTL seconds', () => {
    expect(putSessionInput('t', { mac: MAC, exp: 1_750_000_000_001 })).toEqual({
      TableName: 't',
      Item: { pk: `S#${MAC}`, sk: 'S', expiresAt: 1_750_000_001 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('are read strongly consistent, so a sign-out holds at once', () => {
    expect(getSessionInput('t', MAC)).toEqual({ TableName: 't', Key: { pk: `S#${MAC}`, sk: 'S' }, ConsistentRead: true });
    expect(deleteSessionInput('t', MAC)).toEqual({ TableName: 't', Key: { pk: `S#${MAC}`, sk: 'S' } });
  });
});
