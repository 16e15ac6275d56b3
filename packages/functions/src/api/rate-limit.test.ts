import { describe, expect, it } from 'vitest';
import { heldSeconds, TokenBuckets } from './rate-limit.ts';

describe('a request’s cost', () => {
  it('is one token, plus one per whole second it held the function', () => {
    expect(heldSeconds(1_000, 1_999)).toBe(0);
    expect(heldSeconds(1_000, 26_000)).toBe(25);
    expect(heldSeconds(2_000, 1_000)).toBe(0);
  });

  it('taken after the fact, delays the caller’s next requests until the bucket refills', () => {
    let now = 0;
    const buckets = new TokenBuckets({ perSecond: 1, burst: 5 }, () => now);
    expect(buckets.take('k')).toBe(0);
    buckets.charge('k', 25);
    expect(buckets.take('k')).toBe(22);
    expect(buckets.take('other')).toBe(0);
    now = 21_000;
    expect(buckets.take('k')).toBe(1);
    now = 22_000;
    expect(buckets.take('k')).toBe(0);
  });
});
