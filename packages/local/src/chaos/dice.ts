import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/**
 * The chaos run's only source of randomness, seeded: the same seed draws the same plan (kill
 * moments, operations, job shapes). The interleaving with the stack's own timing is not
 * reproducible; the plan is.
 */
export class Dice {
  readonly #rng: ReturnType<typeof xoroshiro128plus>;

  constructor(seed: number) {
    this.#rng = xoroshiro128plus(seed);
  }

  /** An integer in [from, to], both included. */
  int(from: number, to: number): number {
    return uniformInt(this.#rng, from, to);
  }

  chance(probability: number): boolean {
    return this.int(0, 999_999) < probability * 1_000_000;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('nothing to pick from');
    return items[this.int(0, items.length - 1)]!;
  }

  /** One of the choices, each as likely as its weight. */
  weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.int(0, total - 1);
    for (const [choice, weight] of choices) {
      if (roll < weight) return choice;
      roll -= weight;
    }
    throw new RangeError('weights must be positive');
  }
}

/**
 * When to kill the stack, as offsets from the start of the run: spread over the middle of
 * the run, at least `minGapMs` apart so each restart gets to run jobs before the next kill.
 */
export function killMoments(dice: Dice, durationMs: number, kills: number, minGapMs: number): number[] {
  const first = Math.round(durationMs * 0.08);
  const last = Math.round(durationMs * 0.92);
  const slack = last - first - (kills - 1) * minGapMs;
  if (kills <= 0) return [];
  if (slack < 0) throw new RangeError(`${kills} kills need at least ${Math.ceil(((kills - 1) * minGapMs) / 0.84 / 1000)} s of run`);
  // Sorted draws in the slack, each then pushed past the previous by the gap.
  const draws = Array.from({ length: kills }, () => dice.int(0, slack)).sort((a, b) => a - b);
  return draws.map((draw, i) => first + draw + i * minGapMs);
}
