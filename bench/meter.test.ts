import { describe, expect, it } from 'vitest';
import { buildUpdate } from '@stint/core/store';
import { isPaced } from './meter.ts';

/** An UpdateItem's input as the job store sends it. */
const update = (spec: Parameters<typeof buildUpdate>[0]) => ({ TableName: 't', Key: { pk: 'F#r1', sk: 'L#normal' }, ...buildUpdate(spec) });

describe('the meter’s paced writes', () => {
  it('are a root’s re-sorts in its lane (dispatch-specs.ts resortSpec), the one write that sets sortedAt', () => {
    expect(isPaced(update({ set: { gsi5sk: '000000000000009#r1', sortedAt: 1_000 }, condition: '#vtime = :vtime', values: { ':vtime': 3 } }))).toBe(true);
  });

  it('are not the writes each job makes, nor one that only reads sortedAt in its condition', () => {
    expect(isPaced(update({ add: { vtime: 5 } }))).toBe(false);
    expect(isPaced(update({ set: { vtime: 4 }, condition: '#sortedAt <= :due', values: { ':due': 900 } }))).toBe(false);
  });
});
