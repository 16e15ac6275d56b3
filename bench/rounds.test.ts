import { describe, expect, it } from 'vitest';
import { medianRound } from './rounds.ts';

describe('the median round of a throughput bench', () => {
  it('is the round with the middle ratio, whatever order they ran in', () => {
    const rounds = [
      { ratio: 0.7, id: 'a' },
      { ratio: 0.45, id: 'b' },
      { ratio: 0.6, id: 'c' },
    ];
    expect(medianRound(rounds).id).toBe('c');
    expect(rounds.map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });

  it('takes the lower middle of an even count, and the only round of one', () => {
    expect(medianRound([{ ratio: 0.9 }, { ratio: 0.5 }, { ratio: 0.6 }, { ratio: 0.8 }]).ratio).toBe(0.6);
    expect(medianRound([{ ratio: 0.3 }]).ratio).toBe(0.3);
  });

  it('refuses no rounds at all', () => {
    expect(() => medianRound([])).toThrow('no rounds');
  });
});
