import { describe, expect, it } from 'vitest';
import { retryDelaySeconds } from './message-retry.ts';

describe('retryDelaySeconds', () => {
  it('doubles from 10 s per receive up to 5 minutes, drawn between half and all of it', () => {
    const ceilings = [10, 20, 40, 80, 160, 300, 300];
    expect(ceilings.map((_, i) => retryDelaySeconds(i + 1, () => 1))).toEqual(ceilings);
    expect(ceilings.map((_, i) => retryDelaySeconds(i + 1, () => 0))).toEqual([5, 10, 20, 40, 80, 150, 150]);
  });

  it('takes a missing receive count as a first receive', () => {
    expect(retryDelaySeconds(Number.NaN, () => 1)).toBe(10);
  });
});
