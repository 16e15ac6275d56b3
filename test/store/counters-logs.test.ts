import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointStore } from '@stint/core/store/checkpoint-store';
import { CounterStore } from '@stint/core/store/counter-store';
import { LogStore, MAX_LOG_MESSAGE } from '@stint/core/store/log-store';
import { TableGateway } from '@stint/core/store/table-gateway';
import { tableDefinition } from '@stint/core/store/table-definition';
import { emulatorClients, startEmulators, uniqueName, type Emulators } from '../support/stack.ts';

/**
 * What the counter, log and checkpoint stores leave in the table, item by item, on dynalite:
 * the expected items are written out here (keys from the layout in table-keys.ts), not derived
 * from the code under test. Each test uses its own tenant or job id.
 */
let emulators: Emulators;
let tableName: string;
let table: TableGateway;
const client = () => emulatorClients(emulators).dynamo;

beforeAll(async () => {
  emulators = await startEmulators({ dynamo: 'dynalite' });
  tableName = uniqueName('counters');
  await client().send(new CreateTableCommand(tableDefinition(tableName)));
  table = new TableGateway(client(), tableName);
});
afterAll(async () => {
  await emulators?.stop();
});

const MINUTE = 1_700_000_040_000; // a whole minute
const bucket = (minute: number) => `ST#${String(minute).padStart(13, '0')}`;
const item = (pk: string, sk: string) => table.getItem({ pk, sk });

describe('counters', () => {
  it('keeps one card item per listing, each delta write stamped and versioned', async () => {
    let now = 5_000;
    const counters = new CounterStore(
      client(),
      tableName,
      () => now,
      () => 0,
    );
    const batch = counters.batch();
    expect(batch.empty).toBe(true);
    batch.jobCreated({ tenant: 'cards', system: false, parentId: null }, MINUTE);
    expect(batch.empty).toBe(false);
    batch.jobCreated({ tenant: 'cards', system: false, parentId: 'p1' }, MINUTE);
    batch.jobCreated({ tenant: 'cards', system: true }, MINUTE);
    batch.jobCreated({ tenant: 'cards', system: true, parentId: 'p2' }, MINUTE);
    batch.bucketMoved({ tenant: 'cards', system: true, parentId: 'p2' }, 'active', 'failed');
    // A move within one bucket is no move: it writes nothing.
    batch.bucketMoved({ tenant: 'cards', system: false }, 'completed', 'completed');
    await batch.flush();
    expect(batch.empty).toBe(true);
    expect(await item('T#cards', 'SUM#u')).toEqual({ pk: 'T#cards', sk: 'SUM#u', total: 1, active: 1, version: 1, updatedAt: 5_000 });
    expect(await item('T#cards', 'SUM#uc')).toEqual({ pk: 'T#cards', sk: 'SUM#uc', total: 1, active: 1, version: 1, updatedAt: 5_000 });
    expect(await item('T#cards', 'SUM#s')).toEqual({ pk: 'T#cards', sk: 'SUM#s', total: 1, active: 1, version: 1, updatedAt: 5_000 });
    // active +1 then -1 nets to 0, and a zero delta is not written at all.
    expect(await item('T#cards', 'SUM#sc')).toEqual({ pk: 'T#cards', sk: 'SUM#sc', total: 1, failed: 1, version: 1, updatedAt: 5_000 });
    expect(await item('T#cards', bucket(MINUTE))).toEqual({ pk: 'T#cards', sk: bucket(MINUTE), t: MINUTE, created: 4 });

    now = 6_000;
    const second = counters.batch();
    second.jobDeleted({ tenant: 'cards', system: false }, 'active');
    await second.flush();
    expect(await item('T#cards', 'SUM#u')).toEqual({ pk: 'T#cards', sk: 'SUM#u', total: 0, active: 0, version: 2, updatedAt: 6_000 });
    // Deltas that cancel out write nothing: the version stays.
    const third = counters.batch();
    third.bucketMoved({ tenant: 'cards', system: false }, 'active', 'completed');
    third.bucketMoved({ tenant: 'cards', system: false }, 'completed', 'active');
    await third.flush();
    expect((await item('T#cards', 'SUM#u'))?.version).toBe(2);
  });

  it('picks a shard only for a flush that writes, and flushes a batch once', async () => {
    const picked: number[] = [];
    const counters = new CounterStore(
      client(),
      tableName,
      () => 1,
      () => {
        picked.push(3);
        return 3;
      },
    );
    const batch = counters.batch();
    await batch.flush();
    expect(picked).toEqual([]);
    batch.jobCreated({ tenant: 'shards', system: false }, MINUTE + 59_999);
    await batch.flush();
    await batch.flush();
    expect(picked).toEqual([3]);
    expect(await item('T#shards#3', 'SUM#u')).toMatchObject({ total: 1, version: 1 });
    expect(await item('T#shards#3', bucket(MINUTE))).toMatchObject({ created: 1 });
    expect(await item('T#shards', 'SUM#u')).toBeUndefined();
  });

  it('spreads a tenant’s flushes over its eight shards when no shard is given', async () => {
    const counters = new CounterStore(client(), tableName);
    for (let i = 0; i < 24; i++) {
      const batch = counters.batch();
      batch.jobCreated({ tenant: 'spread', system: false }, MINUTE);
      await batch.flush();
    }
    const partitions = ['T#spread', ...[1, 2, 3, 4, 5, 6, 7].map((n) => `T#spread#${n}`)];
    const totals = await Promise.all(partitions.map(async (pk) => ((await item(pk, 'SUM#u'))?.total as number | undefined) ?? 0));
    // The shards in turn from a random start: 24 flushes are 3 on each.
    expect(totals).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
  });

  it('keeps the waiting time’s count, sum, least and greatest per minute, across batches', async () => {
    const counters = new CounterStore(
      client(),
      tableName,
      () => 1,
      () => 0,
    );
    const first = counters.batch();
    first.jobStarted('waits', MINUTE + 1_000, 400);
    first.jobStarted('waits', MINUTE + 2_000, 200);
    first.jobStarted('waits', MINUTE + 3_000, 700);
    first.jobStarted('waits', MINUTE + 60_000, 50); // the next minute
    await first.flush();
    expect(await item('T#waits', bucket(MINUTE))).toEqual({
      pk: 'T#waits',
      sk: bucket(MINUTE),
      t: MINUTE,
      waitCount: 3,
      waitSum: 1_300,
      waitMin: 200,
      waitMax: 700,
    });
    expect(await item('T#waits', bucket(MINUTE + 60_000))).toMatchObject({ waitCount: 1, waitSum: 50, waitMin: 50, waitMax: 50 });

    // Neither extreme beaten: only the sums move.
    const second = counters.batch();
    second.jobStarted('waits', MINUTE, 300);
    await second.flush();
    expect(await item('T#waits', bucket(MINUTE))).toMatchObject({ waitCount: 4, waitSum: 1_600, waitMin: 200, waitMax: 700 });
    // Both beaten by one batch.
    const third = counters.batch();
    third.jobStarted('waits', MINUTE, 100);
    third.jobStarted('waits', MINUTE, 900);
    await third.flush();
    expect(await item('T#waits', bucket(MINUTE))).toMatchObject({ waitCount: 6, waitSum: 2_600, waitMin: 100, waitMax: 900 });
  });

  it('sets an extreme only when it beats the stored one, whoever wrote that, with no write when it does not', async () => {
    const recording = client();
    let updates = 0;
    recording.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UpdateItemCommand') updates++;
        return next(args);
      },
      { step: 'initialize', name: 'countUpdates' },
    );
    const counters = new CounterStore(
      recording,
      tableName,
      () => 1,
      () => 0,
    );
    // Another batch stored both extremes already; this delta beats neither (ties included), so nothing is set.
    await table.put({ pk: 'T#race', sk: bucket(MINUTE), waitMin: 10, waitMax: 20 });
    await counters.applyStats('race', MINUTE, { created: 0, waitCount: 1, waitSum: 15, waitMin: 15, waitMax: 15 }, 0);
    await counters.applyStats('race', MINUTE, { created: 0, waitCount: 1, waitSum: 30, waitMin: 10, waitMax: 20 }, 0);
    expect(await item('T#race', bucket(MINUTE))).toMatchObject({ waitMin: 10, waitMax: 20, waitCount: 2 });
    expect(updates).toBe(2);
    await counters.applyStats('race', MINUTE, { created: 0, waitCount: 1, waitSum: 5, waitMin: 5, waitMax: 25 }, 0);
    expect(await item('T#race', bucket(MINUTE))).toMatchObject({ waitMin: 5, waitMax: 25, waitCount: 3 });
    expect(updates).toBe(5);
  });

  it('is empty until it holds a card delta or a stats delta', () => {
    const counters = new CounterStore(client(), tableName);
    const moved = counters.batch();
    moved.bucketMoved({ tenant: 'e', system: false }, 'completed', 'completed');
    expect(moved.empty).toBe(true);
    moved.bucketMoved({ tenant: 'e', system: false }, 'active', 'completed');
    expect(moved.empty).toBe(false);
    const started = counters.batch();
    started.jobStarted('e', MINUTE, 5);
    expect(started.empty).toBe(false);
  });
});

describe('logs', () => {
  const line = (timestamp: number, message: string, additionalInfo: Record<string, unknown> | null = null) => ({
    timestamp,
    level: 'INFO' as const,
    message,
    additionalInfo,
  });

  it('stores an append as chunks of lines in time order, a line older than its chunk’s first starting another', async () => {
    const logs = new LogStore(client(), tableName);
    await logs.append('log1', [line(1_000, 'Hello World', { n: 1 }), line(1_000, 'Second'), { ...line(999, 'ERR'), level: 'ERROR' }]);
    const items = await table.queryPartitionAll('J#log1', 'L#');
    expect(items.map((i) => (i.sk as string).replace(/#[0-9a-z]{0,8}$/, ''))).toEqual(['L#0000000000999#000002', 'L#0000000001000#000001']);
    expect(items[1]).toEqual({
      pk: 'J#log1',
      sk: expect.any(String),
      ts: 1_000,
      lines: [
        { t: 1_000, l: 'INFO', m: 'Hello World', i: { n: 1 } },
        { t: 1_000, l: 'INFO', m: 'Second' },
      ],
    });
    expect(items[0]).toMatchObject({ ts: 999, lines: [{ t: 999, l: 'ERROR', m: 'ERR' }] });
    const position = (items[1]!.sk as string).slice(2);
    expect(LogStore.linesOf(items[1]!)).toEqual([
      { timestamp: 1_000, level: 'INFO', message: 'Hello World', additionalInfo: { n: 1 }, cursor: `${position}.0` },
      { timestamp: 1_000, level: 'INFO', message: 'Second', additionalInfo: null, cursor: `${position}.1` },
    ]);
  });

  it('closes a chunk at 16 KB of lines and at a minute past its first line', async () => {
    const logs = new LogStore(client(), tableName);
    const big = 'b'.repeat(7_000);
    await logs.append('log4', [line(0, big), line(1, big), line(2, big), line(60_000, 'x'), line(60_003, 'y')]);
    const items = await table.queryPartitionAll('J#log4', 'L#');
    // 7,000 + 7,000 fit, a third does not; the line at 60,003 is past the minute from 2.
    expect(items.map((i) => (i.lines as Array<{ t: number }>).map((l) => l.t))).toEqual([[0, 1], [2, 60_000], [60_003]]);
    expect(items.map((i) => i.ts)).toEqual([1, 60_000, 60_003]);
  });

  it('reads a line written before chunks as a chunk of one, positioned by its key alone', () => {
    const legacy = { pk: 'J#old', sk: 'L#0000000000005#000001#ab', ts: 5, level: 'ERROR', message: 'old', lc: 'old', info: { a: 1 } };
    expect(LogStore.linesOf(legacy)).toEqual([{ timestamp: 5, level: 'ERROR', message: 'old', additionalInfo: { a: 1 }, cursor: '0000000000005#000001#ab' }]);
  });

  it('cuts a message at MAX_LOG_MESSAGE characters, and writes nothing for no lines', async () => {
    const logs = new LogStore(client(), tableName);
    await logs.append('log2', []);
    await logs.append('log2', [line(1, `${'A'.repeat(MAX_LOG_MESSAGE)}TAIL`)]);
    const [stored] = await table.queryPartitionAll('J#log2', '');
    expect(MAX_LOG_MESSAGE).toBe(8_000);
    expect(stored).toMatchObject({ lines: [{ m: 'A'.repeat(8_000) }] });
  });

  it('gives two writers of one millisecond and one sequence number distinct keys', () => {
    const one = new LogStore(client(), tableName).toItems('log3', [line(7, 'x')]);
    const other = new LogStore(client(), tableName).toItems('log3', [line(7, 'x')]);
    // The random suffix keeps the two apart (4 base-36 characters; equal by chance 1 in 1.7 M).
    expect(one[0]?.sk).toMatch(/^L#0000000000007#000001#[0-9a-z]{1,4}$/);
    expect(other[0]?.sk).toMatch(/^L#0000000000007#000001#[0-9a-z]{1,4}$/);
    expect(other[0]?.sk).not.toBe(one[0]?.sk);
  });
});

describe('checkpoints', () => {
  it('stores a result as JSON and an undefined result as no attribute, and clears only checkpoints', async () => {
    const recording = client();
    const queries: Array<{ ConsistentRead?: boolean }> = [];
    recording.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'QueryCommand') queries.push(args.input as { ConsistentRead?: boolean });
        return next(args);
      },
      { step: 'initialize', name: 'recordQueries' },
    );
    const checkpoints = new CheckpointStore(recording, tableName);
    await checkpoints.save('cp1', { name: 'fetch', result: { rows: [1, 2] }, spawnSeq: 2 });
    await checkpoints.save('cp1', { name: 'notify', result: undefined, spawnSeq: 2 });
    await checkpoints.save('cp1', { name: 'zero', result: 0, spawnSeq: 3 });
    await table.put({ pk: 'J#cp1', sk: 'L#0000000000001#000001' });
    expect(await item('J#cp1', 'C#fetch')).toEqual({ pk: 'J#cp1', sk: 'C#fetch', result: '{"rows":[1,2]}', spawnSeq: 2 });
    expect(await item('J#cp1', 'C#notify')).toEqual({ pk: 'J#cp1', sk: 'C#notify', spawnSeq: 2 });
    expect([...(await checkpoints.load('cp1')).entries()]).toEqual([
      ['fetch', { name: 'fetch', result: { rows: [1, 2] }, spawnSeq: 2 }],
      ['notify', { name: 'notify', result: undefined, spawnSeq: 2 }],
      ['zero', { name: 'zero', result: 0, spawnSeq: 3 }],
    ]);
    // Read strongly consistent: a replay must see every step that finished.
    expect(queries.map((query) => query.ConsistentRead)).toEqual([true]);
    await checkpoints.clear('cp1');
    expect((await table.queryPartitionAll('J#cp1', '')).map((i) => i.sk)).toEqual(['L#0000000000001#000001']);
  });
});
