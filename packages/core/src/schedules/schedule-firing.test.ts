import { describe, expect, it } from 'vitest';
import { mergeSpecs } from './schedule-firing.ts';

describe('mergeSpecs', () => {
  it('joins sets (a later one wins) and removes, whichever parts a spec leaves out', () => {
    expect(mergeSpecs({ set: { a: 1, b: 1 }, remove: ['x'] }, {}, { set: { b: 2 }, remove: ['y'] })).toEqual({
      set: { a: 1, b: 2 },
      remove: ['x', 'y'],
    });
    expect(mergeSpecs({}, {})).toEqual({ set: {}, remove: [] });
  });

  it('admits no part it would drop: a condition or an add does not compile', () => {
    const conditioned = { set: { a: 1 }, condition: '#version = :v', values: { ':v': 1 } };
    const added = { add: { count: 1 } };
    // @ts-expect-error a condition cannot be merged
    mergeSpecs(conditioned);
    // @ts-expect-error an add cannot be merged
    mergeSpecs(added);
    expect(mergeSpecs({ set: { a: 1 } })).toEqual({ set: { a: 1 }, remove: [] });
  });

  it('leaves the specs it merged unchanged', () => {
    const first = { set: { a: 1 } };
    mergeSpecs(first, { set: { a: 2 } });
    expect(first).toEqual({ set: { a: 1 } });
  });
});
