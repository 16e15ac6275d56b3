import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointStore } from '@stint/core/store/checkpoint-store';
import { CounterStore } from '@stint/core/store/counter-store';
import { JobStore } from '@stint/core/store/job-store';
import { LogStore } from '@stint/core/store/log-store';
import { newJobId, newJobRecord } from '@stint/core/new-job';
import { provision } from '@stint/local/provision';
import { emulatorClients, startEmulators, uniqueName, type Emulators } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { loggedLines } from '../support/jobs.ts';

describe.each(DYNAMO_BACKENDS)('stores on %s', (backend) => {
  let emulators: Emulators;
  let tableName: string;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    tableName = (
      await provision(emulatorClients(emulators), { tableName: uniqueName('stores'), bucketName: uniqueName('b'), queuePrefix: `${uniqueName('q')}-` })
    ).tableName;
  });
  afterAll(async () => {
    await emulators?.stop();
  });

  const job = (id = newJobId(Date.now())) =>
    newJobRecord({
      id,
      type: 'T',
      label: 'l',
      tenant: 'acme',
      system: false,
      data: {},
      runBy: null,
      lowPriority: false,
      parentId: null,
      rootId: id,
      createDate: Date.now(),
    });

  it('creates a job once and reads many across BatchGetItem pages', async () => {
    const jobs = new JobStore(emulatorClients(emulators).dynamo, tableName);
    const records = Array.from({ length: 130 }, () => job());
    for (const record of records) expect(await jobs.create(record)).toBe(true);
    expect(await jobs.create(records[0]!)).toBe(false);
    const found = await jobs.getMany([...records.map((r) => r.id), 'missing']);
    expect(found.size).toBe(130);
  });

  it('answers null when an update’s condition fails, and leaves the item unchanged', async () => {
    const jobs = new JobStore(emulatorClients(emulators).dynamo, tableName);
    const record = job();
    await jobs.create(record);
    expect(await jobs.tryUpdate(record.id, { set: { label: 'x' }, condition: '#version = :v', values: { ':v': 99 } })).toBeNull();
    expect((await jobs.get(record.id))?.label).toBe('l');
    expect((await jobs.tryUpdate(record.id, { set: { label: 'y' }, condition: '#version = :v', values: { ':v': 1 } }))?.label).toBe('y');
  });

  it('keeps the first checkpoint of a step and loads every checkpoint', async () => {
    const checkpoints = new CheckpointStore(emulatorClients(emulators).dynamo, tableName);
    expect(await checkpoints.save('j1', { name: 'a', result: { n: 1 }, spawnSeq: 0 })).toBe(true);
    expect(await checkpoints.save('j1', { name: 'a', result: { n: 2 }, spawnSeq: 0 })).toBe(false);
    await checkpoints.save('j1', { name: 'b', result: undefined, spawnSeq: 3 });
    const loaded = await checkpoints.load('j1');
    expect(loaded.get('a')?.result).toEqual({ n: 1 });
    expect(loaded.get('b')).toEqual({ name: 'b', result: undefined, spawnSeq: 3 });
    await checkpoints.clear('j1');
    expect((await checkpoints.load('j1')).size).toBe(0);
  });

  it('appends log lines in order across batch writes and deletes them with the job partition', async () => {
    const dynamo = emulatorClients(emulators).dynamo;
    const logs = new LogStore(dynamo, tableName);
    const lines = Array.from({ length: 60 }, (_, i) => ({
      timestamp: 1_000 + Math.floor(i / 7),
      level: 'INFO' as const,
      message: `line ${i}`,
      additionalInfo: null,
    }));
    await logs.append('j2', lines);
    const jobs = new JobStore(dynamo, tableName);
    expect((await loggedLines(jobs, 'j2')).map((line) => line.message)).toEqual(lines.map((l) => l.message));
    // One append of short lines within a minute is one chunk item: one item to delete.
    expect(await jobs.deletePartition('J#j2', 'L#')).toBe(1);
  });

  it('flushes counter deltas once per item to the shard the flush picked, with waiting min and max across flushes', async () => {
    const dynamo = emulatorClients(emulators).dynamo;
    const shards = [0, 4, 4];
    const counters = new CounterStore(dynamo, tableName, Date.now, () => shards.shift()!);
    const minute = 1_700_000_040_000;
    const first = counters.batch();
    const root = { tenant: 't1', system: false, parentId: null };
    first.jobCreated(root, minute);
    first.jobCreated(root, minute + 5);
    first.jobStarted('t1', minute + 10, 300);
    first.bucketMoved(root, 'active', 'completed');
    await first.flush();
    const second = counters.batch();
    second.jobStarted('t1', minute + 20, 100);
    second.jobStarted('t1', minute + 30, 900);
    await second.flush();
    const third = counters.batch();
    third.jobStarted('t1', minute + 40, 200);
    await third.flush();
    const jobs = new JobStore(dynamo, tableName);
    const bucket = `ST#${String(minute).padStart(13, '0')}`;
    // One delta write per item and flush: the version counts the writes that landed.
    expect(await jobs.getItem({ pk: 'T#t1', sk: 'SUM#u' })).toMatchObject({ total: 2, active: 1, completed: 1, version: 1 });
    expect(await jobs.getItem({ pk: 'T#t1', sk: bucket })).toMatchObject({ created: 2, waitCount: 1, waitSum: 300, waitMin: 300, waitMax: 300 });
    expect(await jobs.getItem({ pk: 'T#t1#4', sk: bucket })).toMatchObject({ waitCount: 3, waitSum: 1_200, waitMin: 100, waitMax: 900 });
    expect(await jobs.getItem({ pk: 'T#t1#4', sk: 'SUM#u' })).toBeUndefined();
  });
});
