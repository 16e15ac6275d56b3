import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { JobStore } from '@stint/core/store/job-store';
import { backoff, TableGateway } from '@stint/core/store/table-gateway';
import { tableDefinition } from '@stint/core/store/table-definition';
import { emulatorClients, startEmulators, uniqueName, type Emulators } from '../support/stack.ts';

/**
 * The table gateway every store goes through, on dynalite: paging (every loop must reach the
 * last page, and stop there), conditional writes that answer false / null instead of throwing,
 * and the batch retry of unprocessed items. Each test writes its own partitions in one table.
 * aws-sdk-client-mock appears only to inject throttling (unprocessed items).
 */
let emulators: Emulators;
let table: TableGateway;
/** Every command the gateway sent, with its input: what a read asked for (consistency, paging). */
const sent: Array<{ name: string; input: Record<string, unknown> }> = [];

beforeAll(async () => {
  emulators = await startEmulators({ dynamo: 'dynalite' });
  const client = emulatorClients(emulators).dynamo;
  const tableName = uniqueName('gateway');
  await client.send(new CreateTableCommand(tableDefinition(tableName)));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ name: context.commandName ?? '', input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  table = new TableGateway(client, tableName);
});
afterAll(async () => {
  await emulators?.stop();
});
afterEach(() => {
  vi.restoreAllMocks();
  sent.length = 0;
});

const sks = (items: Array<Record<string, unknown>>) => items.map((item) => item.sk);
const names = () => sent.map((command) => command.name);
/** `count` items in partition `pk`, sort keys `s00`, `s01`, …, written 25 at a time. */
async function fill(pk: string, count: number, extra: (i: number) => Record<string, unknown> = () => ({})) {
  await table.batchWrite(Array.from({ length: count }, (_, i) => ({ PutRequest: { Item: { pk, sk: `s${String(i).padStart(3, '0')}`, ...extra(i) } } })));
}

describe('single-item reads and writes', () => {
  it('reads strongly consistent by default, eventually when asked', async () => {
    await table.put({ pk: 'get', sk: 'a', n: 1 });
    expect(await table.getItem({ pk: 'get', sk: 'a' })).toEqual({ pk: 'get', sk: 'a', n: 1 });
    expect(await table.getItem({ pk: 'get', sk: 'missing' }, false)).toBeUndefined();
    expect(sent.filter((c) => c.name === 'GetItemCommand').map((c) => c.input.ConsistentRead)).toEqual([true, false]);
  });

  it('puts over an item, but putIfAbsent leaves an existing one alone', async () => {
    expect(await table.putIfAbsent({ pk: 'put', sk: 'a', v: 1 })).toBe(true);
    expect(await table.putIfAbsent({ pk: 'put', sk: 'a', v: 2 })).toBe(false);
    expect(await table.getItem({ pk: 'put', sk: 'a' })).toEqual({ pk: 'put', sk: 'a', v: 1 });
    await table.put({ pk: 'put', sk: 'a', v: 3 });
    expect(await table.getItem({ pk: 'put', sk: 'a' })).toEqual({ pk: 'put', sk: 'a', v: 3 });
  });

  it('answers the new item of an update only when asked, and null when a condition fails', async () => {
    const key = { pk: 'upd', sk: 'a' };
    expect(await table.update(key, { add: { n: 1 } })).toBeUndefined();
    expect(await table.update(key, { add: { n: 1 } }, true)).toEqual({ ...key, n: 2 });
    expect(await table.tryUpdateItem(key, { set: { s: 'x' }, condition: '#n = :n', values: { ':n': 5 } })).toBeNull();
    expect(await table.tryUpdateItem(key, { set: { s: 'x' }, condition: '#n = :n', values: { ':n': 2 } })).toEqual({ ...key, n: 2, s: 'x' });
  });

  it('lets an error other than a failed condition through', async () => {
    // `:missing` is named but not given: DynamoDB refuses the request itself (ValidationException).
    await expect(table.tryUpdateItem({ pk: 'upd', sk: 'b' }, { set: { s: 'x' }, condition: '#s = :missing' })).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(table.deleteIf({ pk: 'upd', sk: 'b' }, { expression: 'size(#s) > :missing' })).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(table.putIfAbsent({ pk: 'upd' })).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('deletes an item, or only while its condition holds', async () => {
    await table.put({ pk: 'del', sk: 'a', state: 'old' });
    await table.put({ pk: 'del', sk: 'b' });
    expect(await table.deleteIf({ pk: 'del', sk: 'a' }, { expression: '#state = :s', values: { ':s': 'new' } })).toBe(false);
    expect(await table.getItem({ pk: 'del', sk: 'a' })).toBeDefined();
    expect(await table.deleteIf({ pk: 'del', sk: 'a' }, { expression: '#state = :s', values: { ':s': 'old' } })).toBe(true);
    // A condition with no names and no values is sent as it is.
    expect(await table.deleteIf({ pk: 'del', sk: 'b' }, { expression: 'attribute_exists(pk)', values: {} })).toBe(true);
    expect(sent.at(-1)?.input).toEqual({ TableName: table.tableName, Key: { pk: 'del', sk: 'b' }, ConditionExpression: 'attribute_exists(pk)' });
    expect(await table.deleteIf({ pk: 'del', sk: 'b' }, { expression: 'attribute_exists(pk)' })).toBe(false);
    await table.put({ pk: 'del', sk: 'c' });
    await table.delete({ pk: 'del', sk: 'c' });
    expect(await table.getItem({ pk: 'del', sk: 'c' })).toBeUndefined();
  });
});

describe('job items', () => {
  it('reads a job strongly consistent by default and many eventually, and deletes one only while its condition holds', async () => {
    const jobs = new JobStore(table.client, table.tableName);
    await table.put({ pk: 'J#js1', sk: 'J', id: 'js1', status: 'FINISHED' });
    await table.put({ pk: 'J#js2', sk: 'J', id: 'js2', status: 'RUNNING' });
    expect(await jobs.get('js1')).toMatchObject({ id: 'js1' });
    expect((await jobs.get('js1', false))?.id).toBe('js1');
    expect([...(await jobs.getMany(['js1', 'js2', 'js1', 'nope'])).keys()].sort()).toEqual(['js1', 'js2']);
    expect(sent.filter((c) => c.name === 'GetItemCommand').map((c) => c.input.ConsistentRead)).toEqual([true, false]);
    const batch = sent.find((c) => c.name === 'BatchGetItemCommand')?.input.RequestItems as Record<string, { Keys: unknown[]; ConsistentRead: boolean }>;
    // Each id once, however often asked.
    expect([batch[table.tableName]?.Keys.length, batch[table.tableName]?.ConsistentRead]).toEqual([3, false]);
    expect(await jobs.deleteJobIf('js2', '#status = :s', { ':s': 'FINISHED' })).toBe(false);
    expect(await jobs.deleteJobIf('js1', '#status = :s', { ':s': 'FINISHED' })).toBe(true);
    expect(await jobs.get('js1')).toBeUndefined();
    expect(await jobs.get('js2')).toBeDefined();
  });
});

describe('partition reads', () => {
  it('reads a prefix or the whole partition, in either order, projected, a page at a time', async () => {
    await table.batchWrite(['a1', 'a2', 'b1', 'b2', 'b3'].map((sk) => ({ PutRequest: { Item: { pk: 'part', sk, v: sk.toUpperCase() } } })));
    expect(sks((await table.queryPartition('part', '')).items)).toEqual(['a1', 'a2', 'b1', 'b2', 'b3']);
    expect(sks((await table.queryPartition('part', 'b', { ascending: false })).items)).toEqual(['b3', 'b2', 'b1']);
    expect((await table.queryPartition('part', 'a', { projection: 'sk' })).items).toEqual([{ sk: 'a1' }, { sk: 'a2' }]);
    const first = await table.queryPartition('part', 'b', { limit: 2 });
    expect(sks(first.items)).toEqual(['b1', 'b2']);
    const second = await table.queryPartition('part', 'b', { limit: 2, startKey: first.lastKey! });
    expect(sks(second.items)).toEqual(['b3']);
    expect(sent.filter((c) => c.name === 'QueryCommand').map((c) => c.input.ConsistentRead)).toEqual([false, false, false, false, false]);
    await table.queryPartitionAll('part', 'a', { consistent: true });
    expect(sent.at(-1)?.input.ConsistentRead).toBe(true);
  });

  it('follows every page of a query to the last one', async () => {
    await fill('all', 7);
    expect(sks(await table.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'all' }, Limit: 3 }))).toEqual([
      's000',
      's001',
      's002',
      's003',
      's004',
      's005',
      's006',
    ]);
    // 3 + 3 + 1, and a fourth page only if the third had a LastEvaluatedKey.
    expect(names().filter((n) => n === 'QueryCommand').length).toBeGreaterThanOrEqual(3);
    const page = await table.queryPage({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'all' }, Limit: 5 });
    expect({ items: page.items.length, scanned: page.scanned, more: page.lastKey !== undefined }).toEqual({ items: 5, scanned: 5, more: true });
  });

  it('deletes a partition of more than one 500-item page, and only under the prefix', async () => {
    await fill('big', 520);
    await table.put({ pk: 'big', sk: 'keep' });
    expect(await table.deletePartition('big', 's')).toBe(520);
    expect((await table.queryPartitionAll('big', '')).map((item) => item.sk)).toEqual(['keep']);
    expect(await table.deletePartition('nothing-here', '')).toBe(0);
  });
});

describe('index reads', () => {
  // gsi2 projects `hasErrors`; items 0..5 in one index partition, the odd ones flagged.
  beforeAll(async () => {
    await fill('idx', 6, (i) => ({ gsi2pk: 'IDX', gsi2sk: `k${i}`, hasErrors: i % 2 === 1 }));
  });

  it('pages an index in either order and reads every page with queryIndexAll', async () => {
    const first = await table.queryIndex({ index: 'gsi2', partition: 'IDX', limit: 4, ascending: false });
    expect(first.keys.map((k) => k.gsi2sk)).toEqual(['k5', 'k4', 'k3', 'k2']);
    const rest = await table.queryIndex({ index: 'gsi2', partition: 'IDX', limit: 4, ascending: false, startKey: first.lastKey! });
    expect(rest.keys.map((k) => k.gsi2sk)).toEqual(['k1', 'k0']);
    expect((await table.queryIndexAll({ index: 'gsi2', partition: 'IDX', limit: 2 })).map((k) => k.gsi2sk)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
    expect((await table.queryIndexAll({ index: 'gsi2', partition: 'IDX', whereTrue: 'hasErrors' })).map((k) => k.gsi2sk)).toEqual(['k1', 'k3', 'k5']);
  });

  it('counts every page without a limit, one page with one, and from a start key', async () => {
    expect(await table.countIndex({ index: 'gsi2', partition: 'IDX' })).toBe(6);
    expect(await table.countIndex({ index: 'gsi2', partition: 'IDX', limit: 4 })).toBe(4);
    expect(await table.countIndex({ index: 'gsi2', partition: 'IDX', whereTrue: 'hasErrors' })).toBe(3);
    const first = await table.queryIndex({ index: 'gsi2', partition: 'IDX', limit: 2 });
    expect(await table.countIndex({ index: 'gsi2', partition: 'IDX', startKey: first.lastKey! })).toBe(4);
    expect(await table.countIndex({ index: 'gsi2', partition: 'nobody' })).toBe(0);
  });
});

describe('batches', () => {
  it('reads more than 100 keys, leaving missing ones out, eventually consistent unless asked', async () => {
    await fill('many', 130);
    const keys = Array.from({ length: 130 }, (_, i) => ({ pk: 'many', sk: `s${String(i).padStart(3, '0')}` }));
    const found = await table.getItems([...keys, { pk: 'many', sk: 'missing' }]);
    expect(found.map((item) => item.sk).sort()).toEqual(keys.map((k) => k.sk));
    const asked = () =>
      sent
        .filter((c) => c.name === 'BatchGetItemCommand')
        .map((c) => (c.input.RequestItems as Record<string, { Keys: unknown[]; ConsistentRead: boolean }>)[table.tableName])
        .map((read) => [read?.Keys.length, read?.ConsistentRead]);
    expect(asked()).toEqual([
      [100, false],
      [31, false],
    ]);
    sent.length = 0;
    await table.getItems(keys.slice(0, 1), true);
    expect(asked()).toEqual([[1, true]]);
    expect(await table.getItems([])).toEqual([]);
  });

  /** A client over the same table whose batch calls process only `perCall` items (a throttled table). */
  function throttled(perCall: number) {
    const real = table.client;
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    const calls: number[] = [];
    const mock = mockClient(client);
    mock.on(BatchWriteCommand).callsFake(async (input) => {
      const requests = input.RequestItems[table.tableName] as unknown[];
      calls.push(requests.length);
      await real.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: requests.slice(0, perCall) as never } }));
      const rest = requests.slice(perCall);
      return rest.length > 0 ? { UnprocessedItems: { [table.tableName]: rest } } : {};
    });
    mock.on(BatchGetCommand).callsFake(async (input) => {
      const { Keys, ConsistentRead } = input.RequestItems[table.tableName];
      calls.push(Keys.length);
      const out = await real.send(new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: Keys.slice(0, perCall), ConsistentRead } } }));
      const rest = Keys.slice(perCall);
      return { Responses: out.Responses, ...(rest.length > 0 ? { UnprocessedKeys: { [table.tableName]: { Keys: rest } } } : {}) };
    });
    return { gateway: new TableGateway(client, table.tableName), calls };
  }

  it('sends again what a throttled batch left unprocessed, 25 writes per request', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0); // no backoff wait
    const { gateway, calls } = throttled(10);
    await gateway.batchWrite(Array.from({ length: 30 }, (_, i) => ({ PutRequest: { Item: { pk: 'thr', sk: `s${i}` } } })));
    expect(calls).toEqual([25, 15, 5, 5]);
    expect((await table.queryPartitionAll('thr', '')).length).toBe(30);
    calls.length = 0;
    const read = await gateway.getItems(Array.from({ length: 30 }, (_, i) => ({ pk: 'thr', sk: `s${i}` })));
    expect(calls).toEqual([30, 20, 10]);
    expect(read).toHaveLength(30);
  });

  it('gives up after 15 attempts with a throttling error naming what is left', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { gateway, calls } = throttled(1);
    const writes = Array.from({ length: 20 }, (_, i) => ({ PutRequest: { Item: { pk: 'stuck', sk: `s${i}` } } }));
    await expect(gateway.batchWrite(writes)).rejects.toMatchObject({
      name: 'UnprocessedItemsError',
      message: 'DynamoDB left 5 items of a batch unprocessed after every retry (throttled)',
    });
    expect(calls).toHaveLength(15);
  });
});

describe('backoff', () => {
  it.each([
    [0, 0.4, 10],
    [3, 0.5, 100],
    [5, 1, 800],
    [6, 1, 1_000],
    [12, 0.25, 250],
  ])('after attempt %i with jitter %f waits %f ms: full jitter over 25 ms doubling, capped at 1 s', async (attempt, jitter, ms) => {
    vi.useFakeTimers();
    try {
      vi.spyOn(Math, 'random').mockReturnValue(jitter);
      let done = false;
      void backoff(attempt).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(Math.ceil(ms) - 1);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(done).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
