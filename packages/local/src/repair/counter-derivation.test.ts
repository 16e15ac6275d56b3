import { describe, expect, it } from 'vitest';
import { counterCorrections, deriveCounters, type CountedJob } from './counter-derivation.ts';

const M0 = 1_700_000_040_000; // a whole minute
const M1 = M0 + 60_000;

const jobs: CountedJob[] = [
  { tenant: 'acme', status: 'FINISHED', hasErrors: false, createDate: M0 + 1_000, startDate: M0 + 3_000 },
  { tenant: 'acme', status: 'FINISHED', hasErrors: true, createDate: M0 + 2_000, startDate: M1 + 2_000 },
  { tenant: 'acme', status: 'CANCELED', hasErrors: false, createDate: M0 + 5_000 },
  { tenant: 'acme', status: 'RUNNING', hasErrors: true, createDate: M1 + 1_000, startDate: M1 + 1_500 },
  { tenant: 'acme', status: 'STOPPED', hasErrors: false, createDate: M1 + 9_000 },
  { tenant: 'beta', status: 'PENDING', hasErrors: false, createDate: M1 },
];

describe('counters derived from the jobs', () => {
  it('counts each job in total and in one summary bucket, and its creation and start in their minutes', async () => {
    const derived = await deriveCounters(jobs);
    expect(derived.summaries.get('acme')).toMatchObject({ total: 5, active: 2, completed: 1, failed: 1, canceled: 1 });
    expect(derived.summaries.get('beta')).toMatchObject({ total: 1, active: 1 });
    const bucket = (tenant: string, minute: number) => derived.stats.find((s) => s.tenant === tenant && s.minute === minute)?.delta;
    expect(bucket('acme', M0)).toMatchObject({ created: 3, waitCount: 1, waitSum: 2_000, waitMin: 2_000, waitMax: 2_000 });
    // Started in M1: waited 60 s and 0.5 s.
    expect(bucket('acme', M1)).toMatchObject({ created: 2, waitCount: 2, waitSum: 60_500, waitMin: 500, waitMax: 60_000 });
    expect(bucket('beta', M1)).toMatchObject({ created: 1, waitCount: 0 });
  });

  it('sets summaries to the jobs exactly and only raises statistics buckets', async () => {
    const derived = await deriveCounters(jobs);
    const stored = new Map(
      [
        { pk: 'T#acme', sk: 'SUM', total: 5, active: 2, completed: 1, failed: 1, canceled: 1 },
        { pk: 'T#gone', sk: 'SUM', total: 3, active: -2, completed: 5, failed: 0, canceled: 0 },
        // More than the jobs show (some were deleted since): kept.
        { pk: 'T#acme', sk: `ST#${String(M0).padStart(13, '0')}`, t: M0, created: 7, waitCount: 4, waitSum: 1, waitMin: 1, waitMax: 1 },
        // Fewer: a kill lost deltas.
        { pk: 'T#acme', sk: `ST#${String(M1).padStart(13, '0')}`, t: M1, created: 1, waitCount: 2, waitSum: 60_500, waitMin: 500, waitMax: 60_000 },
      ].map((item) => [JSON.stringify([item.pk, item.sk]), item]),
    );
    expect(counterCorrections(derived, stored)).toEqual(
      expect.arrayContaining([
        { key: { pk: 'T#beta', sk: 'SUM' }, set: { total: 1, active: 1, completed: 0, failed: 0, canceled: 0 } },
        { key: { pk: 'T#gone', sk: 'SUM' }, set: { total: 0, active: 0, completed: 0, failed: 0, canceled: 0 } },
        { key: { pk: 'T#acme', sk: `ST#${String(M1).padStart(13, '0')}` }, set: { created: 2, t: M1 } },
        { key: { pk: 'T#beta', sk: `ST#${String(M1).padStart(13, '0')}` }, set: { created: 1, t: M1 } },
      ]),
    );
    expect(counterCorrections(derived, stored)).toHaveLength(4);
  });
});
