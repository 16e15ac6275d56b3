import { describe, expect, it } from 'vitest';
import { Dice, killMoments } from './dice.ts';

describe('the chaos dice', () => {
  it('draws the same plan from the same seed, another from another', () => {
    const draw = (seed: number) => {
      const dice = new Dice(seed);
      return [
        dice.int(0, 1_000_000),
        dice.pick(['a', 'b', 'c', 'd']),
        dice.weighted([
          ['x', 1],
          ['y', 5],
        ] as const),
        dice.chance(0.5),
      ];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('spreads kills over the middle of the run, apart by the gap', () => {
    const moments = killMoments(new Dice(7), 180_000, 10, 12_000);
    expect(moments).toHaveLength(10);
    expect(moments[0]).toBeGreaterThanOrEqual(180_000 * 0.08);
    expect(moments.at(-1)).toBeLessThanOrEqual(180_000 * 0.92);
    for (let i = 1; i < moments.length; i++) expect(moments[i]! - moments[i - 1]!).toBeGreaterThanOrEqual(12_000);
  });

  it('refuses more kills than the run has room for', () => {
    expect(() => killMoments(new Dice(1), 60_000, 10, 12_000)).toThrow(RangeError);
  });
});
