import { describe, expect, it } from 'vitest';
import { progressOf } from './job-record.ts';

describe('progressOf', () => {
  it.each([
    ['a job without children reports its own progress', { progress: 40, childrenDone: 0, childrenTotal: 0 }, 40],
    ['a stopped parent shows the share of its children that ended', { status: 'STOPPED', progress: 0, childrenDone: 4, childrenTotal: 10 }, 40],
    ['a canceled parent does not count its canceled children as progress', { status: 'CANCELED', progress: 0, childrenDone: 10, childrenTotal: 10 }, 0],
    ['a job without children that reported nothing is at 0', { progress: 0, childrenDone: 0, childrenTotal: 0 }, 0],
    ['a parent that reported nothing shows the share of its children that ended', { progress: 0, childrenDone: 3, childrenTotal: 10 }, 30],
    ['the share is rounded down: 100 only once every child ended', { progress: 0, childrenDone: 199, childrenTotal: 200 }, 99],
    ['every child ended', { progress: 0, childrenDone: 7, childrenTotal: 7 }, 100],
    ['a parent that reports its own progress keeps it', { progress: 15, childrenDone: 9, childrenTotal: 10 }, 15],
    ['a count past the total (a drifted counter) never shows more than 100', { progress: 0, childrenDone: 12, childrenTotal: 10 }, 100],
  ])('%s', (_case, record, expected) => {
    expect(progressOf({ status: 'RUNNING', ...record } as Parameters<typeof progressOf>[0])).toBe(expected);
  });
});
