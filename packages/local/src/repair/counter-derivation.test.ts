import { describe, expect, it } from 'vitest';
import { deriveStats, statsCorrections, type CountedJob } from './counter-derivation.ts';

const M0 = 1_700_000_040_000; // a whole minute
const M1 = M0 + 60_000;
const job = (tenant: string, createDate: number, startDate?: number): CountedJob => ({
  tenant,
  system: false,
  createDate,
  ...(startDate === undefined ? {} : { startDate }),
});

const jobs: CountedJob[] = [
  job('acme', M0 + 1_000, M0 + 3_000),
  job('acme', M0 + 2_000, M1 + 2_000),
  job('acme', M0 + 5_000),
  job('acme', M1 + 1_000, M1 + 1_500),
  job('acme', M1 + 9_000),
  job('beta', M1),
];

const bucketSk = (minute: number) => `ST#${String(minute).padStart(13, '0')}`;

describe('statistics derived from the jobs', () => {
  it('counts each job’s creation and start in their minutes', async () => {
    const derived = await deriveStats(jobs);
    const bucket = (tenant: string, minute: number) => derived.find((s) => s.tenant === tenant && s.minute === minute)?.delta;
    expect(bucket('acme', M0)).toMatchObject({ created: 3, waitCount: 1, waitSum: 2_000, waitMin: 2_000, waitMax: 2_000 });
    // Started in M1: waited 60 s and 0.5 s.
    expect(bucket('acme', M1)).toMatchObject({ created: 2, waitCount: 2, waitSum: 60_500, waitMin: 500, waitMax: 60_000 });
    expect(bucket('beta', M1)).toMatchObject({ created: 1, waitCount: 0 });
  });

  it('only raises buckets, never lowers them', async () => {
    const stored = new Map(
      [
        // More than the jobs show (some were deleted since): kept.
        { pk: 'T#acme', sk: bucketSk(M0), t: M0, created: 7, waitCount: 4, waitSum: 1, waitMin: 1, waitMax: 1 },
        // Fewer: a kill lost deltas.
        { pk: 'T#acme', sk: bucketSk(M1), t: M1, created: 1, waitCount: 1, waitSum: 500, waitMin: 500, waitMax: 500 },
      ].map((item) => [JSON.stringify([item.pk, item.sk]), item]),
    );
    expect(statsCorrections(await deriveStats(jobs), stored)).toEqual([
      { key: { pk: 'T#acme', sk: bucketSk(M1) }, set: { created: 2, waitCount: 2, waitSum: 60_500, waitMin: 500, waitMax: 60_000, t: M1 } },
      { key: { pk: 'T#beta', sk: bucketSk(M1) }, set: { created: 1, t: M1 } },
    ]);
  });

  it('adds a minute up over the tenant’s counter shards and raises shard 0 by what they lack', async () => {
    const stored = new Map(
      [
        { pk: 'T#acme', sk: bucketSk(M0), t: M0, created: 3, waitCount: 1, waitSum: 2_000 },
        // M1 is spread: shard 3 has one creation and one start, shard 0 nothing.
        { pk: 'T#acme#3', sk: bucketSk(M1), t: M1, created: 1, waitCount: 1, waitSum: 500, waitMin: 500, waitMax: 500 },
        { pk: 'T#beta#6', sk: bucketSk(M1), t: M1, created: 1 },
      ].map((item) => [JSON.stringify([item.pk, item.sk]), item]),
    );
    expect(statsCorrections(await deriveStats(jobs), stored)).toEqual([
      { key: { pk: 'T#acme', sk: bucketSk(M1) }, set: { created: 1, waitCount: 1, waitSum: 60_000, waitMin: 500, waitMax: 60_000, t: M1 } },
    ]);
  });
});
