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

  it('leaves the specs it merged unchanged', () => {
    const first = { set: { a: 1 } };
    mergeSpecs(first, { set: { a: 2 } });
    expect(first).toEqual({ set: { a: 1 } });
  });
});
