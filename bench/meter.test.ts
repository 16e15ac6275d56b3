import { describe, expect, it } from 'vitest';
import { chargeSpec, enterLaneSpec, resortSpec, touchSpec } from '@stint/core/engine/dispatch-specs';
import { buildUpdate } from '@stint/core/store/update-expression';
import { isPaced } from './meter.ts';

/** An UpdateItem's input as the job store sends it. */
const update = (spec: Parameters<typeof buildUpdate>[0]) => ({ TableName: 't', Key: { pk: 'F#r1', sk: 'L#normal' }, ...buildUpdate(spec) });

describe('the meter’s paced writes', () => {
  it('are a root’s re-sorts in its lane, which the engine makes at most every RESORT_EVERY_MS', () => {
    expect(isPaced(update(resortSpec('r1', 3, 9, 1_000)))).toBe(true);
  });

  it('are not the writes each job makes: a charge, a touch, an entry into the lane', () => {
    expect(isPaced(update(chargeSpec('r1', 'normal', 5)))).toBe(false);
    expect(isPaced(update(touchSpec(1_000, true)))).toBe(false);
    expect(isPaced(update(enterLaneSpec('r1', 'normal', 4, 1_000, { vtime: 0 }, { tree: true, elsewhere: 4 })))).toBe(false);
    // A write that only reads `sortedAt` in its condition.
    expect(
      isPaced({
        UpdateExpression: 'SET #vtime = :v',
        ConditionExpression: '#sortedAt <= :due',
        ExpressionAttributeNames: { '#vtime': 'vtime', '#sortedAt': 'sortedAt' },
      }),
    ).toBe(false);
  });
});
