import { describe, expect, it } from 'vitest';
import { rotatingShards } from './counter-store.ts';

describe('rotatingShards', () => {
  it('takes each tenant’s eight shards in turn from its own random start', () => {
    const starts = [0.99, 0.3];
    const pick = rotatingShards(() => starts.shift()!);
    const a = Array.from({ length: 9 }, () => pick('a'));
    const b = Array.from({ length: 3 }, () => pick('b'));
    expect(a).toEqual([7, 0, 1, 2, 3, 4, 5, 6, 7]);
    expect(b).toEqual([2, 3, 4]);
  });
});
