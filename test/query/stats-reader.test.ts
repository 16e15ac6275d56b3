import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CounterStore } from '@stint/core/store/counter-store';
import type { JobStore } from '@stint/core/store/job-store';
import { parseStatsQuery, readStats, readSummary, summaryListings } from '@stint/core/query/stats-reader';
import { newTable, random, startEnv, type Env } from './seed-jobs.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 3, 1); // 1 April 2025, 00:00 UTC
const NOW = T0 + 3 * DAY;
let env: Env;
let store: JobStore;
const created: number[] = [];
const started: Array<{ at: number; wait: number }> = [];
const ACME = { tenant: 'acme', system: false, parentId: null };
const GLOBEX = { tenant: 'globex', system: false, parentId: null };
const GLOBEX_SYSTEM_CHILD = { tenant: 'globex', system: true, parentId: 'a-system-root' };

beforeAll(async () => {
  // Set QUERY_DYNAMO=dynamodb-local to run this suite on AWS's DynamoDB Local instead of dynalite.
  env = await startEnv(process.env.QUERY_DYNAMO === 'dynamodb-local' ? 'dynamodb-local' : 'dynalite');
  store = await newTable(env);
  const counters = new CounterStore(env.clients.dynamo, store.tableName);
  const rnd = random(5);
  // Two days of activity in bursts, written through the real counter batches.
  for (let b = 0; b < 8; b++) {
    const batch = counters.batch();
    for (let i = 0; i < 40; i++) {
      const at = T0 + Math.floor(rnd() * 2 * DAY);
      batch.jobCreated(ACME, at);
      created.push(at);
      if (rnd() < 0.7) {
        const wait = Math.floor(rnd() * 90_000);
        batch.jobStarted('acme', at + wait, wait);
        started.push({ at: at + wait, wait });
      }
      if (rnd() < 0.5) batch.bucketMoved(ACME, 'active', rnd() < 0.2 ? 'failed' : 'completed');
    }
    batch.jobCreated(GLOBEX, T0 + b * HOUR);
    batch.jobCreated(GLOBEX_SYSTEM_CHILD, T0 + b * HOUR);
    await batch.flush();
  }
}, 60_000);

afterAll(async () => {
  await env?.emulators.stop();
});

function expected(from: number, to: number, step: number) {
  const points = [];
  for (let t = Math.floor(from / step) * step; t <= Math.floor(to / step) * step; t += step) {
    const waits = started.filter((s) => s.at >= t && s.at < t + step).map((s) => s.wait);
    points.push({
      t,
      created: created.filter((c) => c >= t && c < t + step).length,
      avgWaitingMs: waits.length ? Math.round(waits.reduce((a, b) => a + b, 0) / waits.length) : null,
      minWaitingMs: waits.length ? Math.min(...waits) : null,
      maxWaitingMs: waits.length ? Math.max(...waits) : null,
    });
  }
  return points;
}

describe('readStats', () => {
  it.each([
    ['minute', 3 * HOUR + 17 * MIN, 5 * HOUR + 2 * MIN + 5_000, MIN],
    ['hour', 0, 2 * DAY + HOUR, HOUR],
    ['day', 0, 3 * DAY, DAY],
  ] as const)('rolls minute buckets up by %s, with empty intervals', async (interval, from, to, step) => {
    const stats = await readStats(store, 'acme', { from: T0 + from, to: T0 + to, interval }, NOW);
    const points = expected(T0 + from, T0 + to, step);
    expect(stats.points).toEqual(points);
    expect(stats.totals.created).toBe(points.reduce((a, p) => a + p.created, 0));
    expect(stats.points.some((p) => p.created === 0 && p.avgWaitingMs === null)).toBe(true);
  });

  it('totals the range', async () => {
    const stats = await readStats(store, 'acme', { from: T0, to: T0 + 3 * DAY - 1, interval: 'day' }, NOW);
    const waits = started.map((s) => s.wait);
    expect(stats.totals).toEqual({
      created: created.length,
      avgWaitingMs: Math.round(waits.reduce((a, b) => a + b, 0) / waits.length),
      minWaitingMs: Math.min(...waits),
      maxWaitingMs: Math.max(...waits),
    });
    const all = await readStats(store, ['acme', 'globex'], { from: T0, to: T0 + 3 * DAY - 1, interval: 'day' }, NOW);
    // globex created a root user job and a system job's child in each of 8 batches.
    expect(all.totals.created).toBe(created.length + 16);
  });

  it('cuts the range at now', async () => {
    const stats = await readStats(store, 'acme', { from: NOW - 2 * HOUR, to: NOW + 10 * DAY, interval: 'hour' }, NOW);
    expect(stats.points.map((p) => p.t)).toEqual([NOW - 2 * HOUR, NOW - HOUR, NOW]);
  });

  it.each([
    [{ from: T0, to: T0 + 3 * DAY, interval: 'minute' }, 'from'],
    [{ from: T0, to: T0 + 32 * DAY, interval: 'hour' }, 'from'],
    [{ from: T0 + DAY, to: T0, interval: 'hour' }, 'from'],
    [{ from: T0, to: T0 + DAY, interval: 'week' }, 'interval'],
  ] as const)('refuses %j naming %s', async (options, field) => {
    await expect(readStats(store, 'acme', options as never, T0 + 100 * DAY)).rejects.toMatchObject({ code: 'badRequest', field });
  });

  it('parses its query string', () => {
    expect(parseStatsQuery({}, NOW)).toEqual({ from: NOW - DAY, to: NOW, interval: 'hour' });
    expect(parseStatsQuery({ from: '5', to: '9', interval: 'minute' }, NOW)).toEqual({ from: 5, to: 9, interval: 'minute' });
    expect(() => parseStatsQuery({ interval: 'week' }, NOW)).toThrow(expect.objectContaining({ field: 'interval' }));
    expect(() => parseStatsQuery({ step: '1' }, NOW)).toThrow(expect.objectContaining({ field: 'step' }));
  });
});

describe('readSummary', () => {
  it('reads the summary cards, zeros for a tenant without jobs', async () => {
    const summary = await readSummary(store, 'acme');
    expect(summary.total).toBe(created.length);
    expect(summary.active + summary.completed + summary.failed + summary.canceled).toBe(created.length);
    expect(summary.completed).toBeGreaterThan(0);
    expect((await readSummary(store, ['acme', 'globex'])).total).toBe(created.length + 8);
    expect(await readSummary(store, 'nobody')).toEqual({ total: 0, active: 0, completed: 0, failed: 0, canceled: 0 });
  });

  it('counts root user jobs unless children or system jobs are asked for, as the list does', async () => {
    expect(summaryListings()).toEqual([{ system: false, child: false }]);
    expect((await readSummary(store, 'globex')).total).toBe(8);
    expect((await readSummary(store, 'globex', summaryListings({ children: true }))).total).toBe(8);
    expect((await readSummary(store, 'globex', summaryListings({ system: true }))).total).toBe(8);
    expect((await readSummary(store, 'globex', summaryListings({ system: true, children: true }))).total).toBe(16);
  });
});
