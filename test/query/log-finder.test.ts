import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStore } from '@stint/core/store/job-store';
import { LogStore, type LogLevel } from '@stint/core/store/log-store';
import { openCursors } from '@stint/core/query/cursor';
import { findLogs, type FindLogsResult } from '@stint/core/query/log-finder';
import { parseLogQuery } from '@stint/core/query/log-query';
import { newTable, random, startEnv, type Env } from './seed-jobs.ts';

/** Readable cursors: the finder's paging is what is tested here; sealing is cursor.ts's. */
const OPEN = { cursors: openCursors };

const MIN = 60_000;
const NOW = Date.UTC(2025, 5, 10, 12, 0); // 10 June 2025, 12:00 UTC
const START = NOW - 2 * 24 * 60 * MIN; // lines every 5 minutes over the last 2 days
let env: Env;
let store: JobStore;
let logs: LogStore;
/** Every line written, as its position (the api's cursor) and what it says. */
const lines = new Map<string, Array<{ position: string; ts: number; level: LogLevel; message: string }>>();

async function write(jobId: string, batch: Array<{ timestamp: number; level: LogLevel; message: string }>) {
  const items = logs.toItems(
    jobId,
    batch.map((l) => ({ ...l, additionalInfo: null })),
  );
  await store.batchWrite(items.map((Item) => ({ PutRequest: { Item } })));
  const written = items.flatMap((item) => LogStore.linesOf(item));
  lines.set(jobId, [...(lines.get(jobId) ?? []), ...written.map((l) => ({ position: l.cursor, ts: l.timestamp, level: l.level, message: l.message }))]);
}

beforeAll(async () => {
  // Set QUERY_DYNAMO=dynamodb-local to run this suite on AWS's DynamoDB Local instead of dynalite.
  env = await startEnv(process.env.QUERY_DYNAMO === 'dynamodb-local' ? 'dynamodb-local' : 'dynalite');
  store = await newTable(env);
  logs = new LogStore(env.clients.dynamo, store.tableName);
  const rnd = random(3);
  await write(
    'job-a',
    Array.from({ length: 576 }, (_, i) => ({
      timestamp: START + i * 5 * MIN + (i % 3 === 0 ? 0 : 1), // some share a millisecond with the next
      level: rnd() < 0.15 ? 'ERROR' : 'INFO',
      message: rnd() < 0.1 ? `Timeout calling API (attempt ${i})` : `Processed record ${i}`,
    })),
  );
  await write('job-b', [{ timestamp: NOW - MIN, level: 'ERROR', message: 'other job timeout' }]);
  // 2,500 lines where only the five oldest mention the needle: the read budget is felt.
  await write(
    'job-big',
    Array.from({ length: 2_500 }, (_, i) => ({ timestamp: START + i * MIN, level: 'INFO', message: i < 5 ? `found the needle ${i}` : `hay ${i}` })),
  );
}, 60_000);

afterAll(async () => {
  await env?.emulators.stop();
});

/** Newest first: by chunk key, then by index in the chunk (`<key>.<index>`). */
function oracle(jobId: string, keep: (l: { ts: number; level: LogLevel; message: string }) => boolean) {
  const order = (position: string) => {
    const [key, index] = position.split('.');
    return [key!, Number(index ?? 0)] as const;
  };
  return (lines.get(jobId) ?? [])
    .filter(keep)
    .sort((a, b) => {
      const [ka, ia] = order(a.position);
      const [kb, ib] = order(b.position);
      return ka === kb ? ib - ia : ka < kb ? 1 : -1;
    })
    .map((l) => l.position);
}

async function allPages(jobId: string, params: Record<string, string>) {
  const pages: FindLogsResult[] = [];
  let cursor: string | undefined;
  do {
    const page = await findLogs(store, jobId, parseLogQuery({ ...params, ...(cursor ? { cursor } : {}) }), NOW, OPEN);
    pages.push(page);
    cursor = page.nextCursor ?? undefined;
    expect(pages.length).toBeLessThan(200);
  } while (cursor);
  return { pages, cursors: pages.flatMap((p) => p.items.map((l) => l.cursor)) };
}

describe('findLogs against a seeded table', () => {
  const midnight = Date.UTC(2025, 5, 10);
  const cases: Array<[string, Record<string, string>, (l: { ts: number; level: LogLevel; message: string }) => boolean]> = [
    ['everything', {}, () => true],
    ['level', { level: 'ERROR' }, (l) => l.level === 'ERROR'],
    ['message, any case', { message: 'TIMEOUT calling' }, (l) => l.message.toLowerCase().includes('timeout calling')],
    ['level and message', { level: 'INFO', message: 'timeout' }, (l) => l.level === 'INFO' && l.message.toLowerCase().includes('timeout')],
    ['from', { from: String(NOW - 6 * 60 * MIN) }, (l) => l.ts >= NOW - 6 * 60 * MIN],
    ['to', { to: String(START + 60 * MIN + 1) }, (l) => l.ts <= START + 60 * MIN + 1],
    [
      'from and to beat period',
      { from: String(START + 100 * MIN), to: String(START + 300 * MIN), period: '10m' },
      (l) => l.ts >= START + 100 * MIN && l.ts <= START + 300 * MIN,
    ],
    ['period 2h 30m', { period: '2h 30m' }, (l) => l.ts >= NOW - 150 * MIN && l.ts <= NOW],
    ['period today', { period: 'today' }, (l) => l.ts >= midnight && l.ts <= NOW],
    ['period yesterday', { period: 'yesterday', level: 'ERROR' }, (l) => l.level === 'ERROR' && l.ts >= midnight - 1_440 * MIN && l.ts < midnight],
  ];

  it.each(cases)('%s: newest first across pages, no duplicates or gaps', async (_, params, keep) => {
    const { cursors, pages } = await allPages('job-a', { _size: '23', ...params });
    expect(cursors).toEqual(oracle('job-a', keep));
    expect(pages.at(-1)!.nextCursor).toBeNull();
    for (const page of pages) expect(page.partial).toBe(false);
  });

  it('starts "today" at midnight of the given time zone', async () => {
    const { cursors } = await allPages('job-a', { period: 'today', timeZone: 'America/Los_Angeles', _size: '200' });
    // 12:00 UTC is 05:00 in Los Angeles (PDT, UTC−7): the local day began at 07:00 UTC.
    expect(cursors).toEqual(oracle('job-a', (l) => l.ts >= midnight + 7 * 60 * MIN && l.ts <= NOW));
  });

  it('pages through lines packed into chunks, resuming inside a chunk, whatever the filter', async () => {
    const rnd = random(5);
    // 400 lines 50 ms apart in one append: chunks of 16 KB of lines, 2 or 3 of them.
    await write(
      'job-dense',
      Array.from({ length: 400 }, (_, i) => ({
        timestamp: NOW - 30 * MIN + i * 50,
        level: rnd() < 0.2 ? 'ERROR' : 'INFO',
        message: `${rnd() < 0.1 ? 'Timeout' : 'Processed'} record ${i} ${'x'.repeat(Math.floor(rnd() * 60))}`,
      })),
    );
    const chunks = await store.queryPartitionAll('J#job-dense', 'L#');
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.length).toBeLessThan(5);
    const all = await allPages('job-dense', { _size: '23' });
    expect(all.cursors).toEqual(oracle('job-dense', () => true));
    expect((await allPages('job-dense', { _size: '7', level: 'ERROR' })).cursors).toEqual(oracle('job-dense', (l) => l.level === 'ERROR'));
    const timeouts = oracle('job-dense', (l) => l.message.startsWith('Timeout'));
    expect((await allPages('job-dense', { _size: '5', message: 'timeout' })).cursors).toEqual(timeouts);
    // A range that starts inside a chunk: the chunk's key is older than the range's start.
    const from = NOW - 30 * MIN + 150 * 50;
    expect((await allPages('job-dense', { _size: '50', from: String(from) })).cursors).toEqual(oracle('job-dense', (l) => l.ts >= from));
    // Tailing from a line inside a chunk gives the lines after it, oldest first.
    const tail = await findLogs(store, 'job-dense', parseLogQuery({ after: all.cursors[100]!, _size: '200' }), NOW, OPEN);
    expect(tail.items.map((l) => l.cursor)).toEqual(all.cursors.slice(0, 100).reverse());
  });

  it('reads lines written one item each before chunks, beside chunks', async () => {
    const at = NOW - 20 * MIN;
    const legacy = [0, 1, 2].map((i) => ({
      pk: 'J#job-old',
      sk: `L#${at + i}#00000${i}#ab${i}`,
      ts: at + i,
      level: 'INFO',
      message: `old ${i}`,
      lc: `old ${i}`,
    }));
    await store.batchWrite(legacy.map((Item) => ({ PutRequest: { Item } })));
    await logs.append('job-old', [{ timestamp: at + 10, level: 'ERROR', message: 'new', additionalInfo: { n: 1 } }]);
    const page = await findLogs(store, 'job-old', parseLogQuery({ _size: '2' }), NOW, OPEN);
    expect(page.items.map((l) => [l.message, l.level])).toEqual([
      ['new', 'ERROR'],
      ['old 2', 'INFO'],
    ]);
    expect(page.items[0]!.additionalInfo).toEqual({ n: 1 });
    const rest = await findLogs(store, 'job-old', parseLogQuery({ _size: '5', cursor: page.nextCursor! }), NOW, OPEN);
    expect(rest.items.map((l) => l.message)).toEqual(['old 1', 'old 0']);
    expect(rest.nextCursor).toBeNull();
    // A legacy line's position has no index: the tail goes on from the items after it.
    const tail = await findLogs(store, 'job-old', parseLogQuery({ after: rest.items[1]!.cursor }), NOW, OPEN);
    expect(tail.items.map((l) => l.message)).toEqual(['old 1', 'old 2', 'new']);
  });

  it('keeps jobs apart', async () => {
    const page = await findLogs(store, 'job-b', parseLogQuery({}), NOW, OPEN);
    expect(page.items.map((l) => l.message)).toEqual(['other job timeout']);
    expect(page.nextCursor).toBeNull();
  });

  it('stops at the read budget with partial and a cursor, and finds the rest later', async () => {
    const first = await findLogs(store, 'job-big', parseLogQuery({ message: 'needle', _size: '10' }), NOW, OPEN);
    expect(first.items).toEqual([]);
    expect(first.partial).toBe(true);
    expect(first.itemsRead).toBeLessThanOrEqual(1_000);
    const { cursors, pages } = await allPages('job-big', { message: 'needle', _size: '10' });
    expect(cursors).toEqual(oracle('job-big', (l) => l.message.includes('needle')));
    expect(Math.max(...pages.map((p) => p.itemsRead))).toBeLessThanOrEqual(1_000);
    // Lines a minute apart make chunks of 2 (a chunk spans at most a minute): 51 lines are in
    // 26 chunks, and the Queries read 2, 4, 8 and 16 chunks.
    const unfiltered = await findLogs(store, 'job-big', parseLogQuery({ _size: '50' }), NOW, OPEN);
    expect(unfiltered.items).toHaveLength(50);
    expect(unfiltered.itemsRead).toBe(30);
  });

  it('tails newer lines oldest first from tailCursor', async () => {
    const first = await findLogs(store, 'job-tail', parseLogQuery({ _size: '5' }), NOW, OPEN);
    expect(first.items).toEqual([]);
    await write(
      'job-tail',
      [1, 2, 3].map((i) => ({ timestamp: NOW - 10 * MIN + i, level: 'INFO', message: `line ${i}` })),
    );
    const head = await findLogs(store, 'job-tail', parseLogQuery({ after: first.tailCursor! }), NOW, OPEN);
    expect(head.items.map((l) => l.message)).toEqual(['line 1', 'line 2', 'line 3']);
    const latest = await findLogs(store, 'job-tail', parseLogQuery({ _size: '2' }), NOW, OPEN);
    expect(latest.items.map((l) => l.message)).toEqual(['line 3', 'line 2']);
    await write(
      'job-tail',
      [4, 5, 6].map((i) => ({ timestamp: NOW - 5 * MIN + i, level: i === 5 ? 'ERROR' : 'INFO', message: `line ${i}` })),
    );
    const tail = await findLogs(store, 'job-tail', parseLogQuery({ after: latest.tailCursor!, _size: '2' }), NOW, OPEN);
    expect(tail.items.map((l) => l.message)).toEqual(['line 4', 'line 5']);
    expect(tail.partial).toBe(true);
    expect(tail.nextCursor).toBeNull();
    const rest = await findLogs(store, 'job-tail', parseLogQuery({ after: tail.tailCursor! }), NOW, OPEN);
    expect(rest.items.map((l) => l.message)).toEqual(['line 6']);
    const none = await findLogs(store, 'job-tail', parseLogQuery({ after: rest.tailCursor! }), NOW, OPEN);
    expect(none).toMatchObject({ items: [], tailCursor: rest.tailCursor, partial: false });
    const errors = await findLogs(store, 'job-tail', parseLogQuery({ after: latest.tailCursor!, level: 'ERROR' }), NOW, OPEN);
    expect(errors.items.map((l) => l.message)).toEqual(['line 5']);
  });

  it('refuses bad cursors and ids, naming the field', async () => {
    const page = await findLogs(store, 'job-a', parseLogQuery({ level: 'ERROR', _size: '5' }), NOW, OPEN);
    const cursor = page.nextCursor!;
    const reject = (jobId: string, params: Record<string, string>, field: string) =>
      expect(findLogs(store, jobId, parseLogQuery(params), NOW, OPEN)).rejects.toMatchObject({ code: 'badRequest', field });
    await reject('job-a', { level: 'ERROR', cursor: cursor.slice(3) }, 'cursor');
    await reject('job-a', { level: 'INFO', cursor }, 'cursor');
    await reject('job-b', { level: 'ERROR', cursor }, 'cursor');
    await reject('job a', {}, 'jobId');
    expect(() => parseLogQuery({ level: 'DEBUG' })).toThrow(expect.objectContaining({ field: 'level' }));
    expect(() => parseLogQuery({ period: 'last week' })).toThrow(expect.objectContaining({ field: 'period' }));
  });
});
