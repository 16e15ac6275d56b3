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

  it('forgets the places it kept once it has seen too many tenants, then starts each again at random', () => {
    const starts = [0, 0.5, 0.25, 0.75];
    const pick = rotatingShards(() => starts.shift()!, 2);
    expect([pick('a'), pick('a'), pick('b'), pick('a'), pick('b')]).toEqual([0, 1, 4, 2, 5]);
    // A third tenant: 'a' and 'b' are forgotten, and 'a' starts again from its new random shard.
    expect([pick('c'), pick('a'), pick('c')]).toEqual([2, 6, 3]);
  });
});
