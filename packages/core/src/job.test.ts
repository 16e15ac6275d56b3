import { describe, expect, it } from 'vitest';
import { durationMs, waitingMs } from './job.ts';

const CREATED = 1_700_000_000_000;
const NOW = CREATED + 90_000;

describe('waitingMs', () => {
  it.each([
    ['started: start − create', { startDate: CREATED + 4_000, endDate: null }, 4_000],
    ['started and ended: still start − create', { startDate: CREATED + 4_000, endDate: CREATED + 60_000 }, 4_000],
    ['ended without starting (stopped or canceled while pending): end − create', { startDate: null, endDate: CREATED + 30_000 }, 30_000],
    ['still waiting: now − create', { startDate: null, endDate: null }, 90_000],
    ['a clock behind the creation never gives a negative wait', { startDate: CREATED - 5, endDate: null }, 0],
  ])('%s', (_case, dates, expected) => {
    expect(waitingMs({ createDate: CREATED, ...dates }, NOW)).toBe(expected);
  });
});

describe('durationMs', () => {
  it('runs from the start to the end, or to now while running, and is 0 before the start', () => {
    expect(durationMs({ startDate: CREATED + 1_000, endDate: CREATED + 11_000 }, NOW)).toBe(10_000);
    expect(durationMs({ startDate: CREATED + 1_000, endDate: null }, NOW)).toBe(89_000);
    expect(durationMs({ startDate: null, endDate: CREATED + 30_000 }, NOW)).toBe(0);
  });
});
