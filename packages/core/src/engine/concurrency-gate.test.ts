import { defineJob } from '@stint/sdk';
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../job-record.ts';
import { concurrencyKeyOf, holdsToken, markWaitingSpec, takeSpec } from './concurrency-gate.ts';

const run = async () => undefined;
const LIMITED = defineJob<{ customer?: unknown }>({ type: 'LIMITED', concurrency: { limit: 2, key: (data) => data.customer as string }, run });

describe('the concurrency gate’s writes and judgements', () => {
  it('takes a slot only while the holders are fewer than the limit, and keeps the key item alive', () => {
    expect(takeSpec('j1#0000000000005', 2, 99)).toEqual({
      add: { holders: new Set(['j1#0000000000005']) },
      set: { expiresAt: 99 },
      condition: 'attribute_not_exists(#holders) OR size(#holders) < :limit',
      values: { ':limit': 2 },
    });
  });

  it('marks a key with waiting jobs in its shard, with what the sweeper needs to wake them', () => {
    const spec = markWaitingSpec({ tenant: 'acme', type: 'LIMITED', key: 'c#1' }, 5, 99);
    expect(spec.set).toMatchObject({ gsi5sk: 'acme#LIMITED#c#1', tenant: 'acme', type: 'LIMITED', key: 'c#1', touchedAt: 5, expiresAt: 99 });
    expect(spec.set?.gsi5pk).toMatch(/^G#\d$/);
    expect(spec.add).toEqual({ waitVersion: 1 });
  });

  it('counts a token as held only by its job in flight with that very token', () => {
    const inFlight = { gsi5pk: 'I#3', concurrencySlot: 'j1#0000000000005' } as JobRecord;
    expect(holdsToken(inFlight, 'j1#0000000000005')).toBe(true);
    expect(holdsToken(inFlight, 'j1#0000000000004')).toBe(false);
    expect(holdsToken({ ...inFlight, gsi5pk: 'R#normal#r1' }, 'j1#0000000000005')).toBe(false);
    expect(holdsToken({ ...inFlight, gsi5pk: undefined }, 'j1#0000000000005')).toBe(false);
    expect(holdsToken(undefined, 'j1#0000000000005')).toBe(false);
  });

  it('takes a job’s key from its data, and refuses data that gives none', () => {
    expect(concurrencyKeyOf(defineJob({ type: 'FREE', run }), {})).toEqual({});
    expect(concurrencyKeyOf(LIMITED, { customer: 'c7' })).toEqual({ key: 'c7' });
    expect(concurrencyKeyOf(LIMITED, { customer: 7 })).toEqual({
      refusal: 'gives no concurrency key for type LIMITED: its key must be a string of 1 to 512 characters, got 7',
    });
    expect(concurrencyKeyOf(LIMITED, { customer: 'x'.repeat(513) })).toMatchObject({ refusal: expect.stringContaining('1 to 512 characters') });
    const throwing = defineJob({
      type: 'THROWS',
      concurrency: {
        limit: 1,
        key: () => {
          throw new Error('no customer');
        },
      },
      run,
    });
    expect(concurrencyKeyOf(throwing, {})).toEqual({ refusal: 'gives no concurrency key for type THROWS: no customer' });
  });

  it('takes keys of 1 to 512 characters, and quotes at most 80 characters of anything else it got', () => {
    const prefix = 'gives no concurrency key for type LIMITED: its key must be a string of 1 to 512 characters, got';
    expect(concurrencyKeyOf(LIMITED, { customer: 'x'.repeat(512) })).toEqual({ key: 'x'.repeat(512) });
    expect(concurrencyKeyOf(LIMITED, { customer: 'c' })).toEqual({ key: 'c' });
    expect(concurrencyKeyOf(LIMITED, { customer: '' })).toEqual({ refusal: `${prefix} ""` });
    expect(concurrencyKeyOf(LIMITED, {})).toEqual({ refusal: `${prefix} undefined` });
    expect(concurrencyKeyOf(LIMITED, { customer: ['a'.repeat(100)] })).toEqual({ refusal: `${prefix} ["${'a'.repeat(78)}` });
    const throwsText = defineJob({
      type: 'THROWS_TEXT',
      concurrency: {
        limit: 1,
        key: () => {
          throw 'no customer';
        },
      },
      run,
    });
    expect(concurrencyKeyOf(throwsText, {})).toEqual({ refusal: 'gives no concurrency key for type THROWS_TEXT: no customer' });
  });
});
