import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defineJob, JobRegistry } from '@stint/sdk';
import { Engine } from '@stint/core';
import { JobStore } from '@stint/core/store/job-store';
import { readSummary } from '@stint/core/query/stats-reader';
import { LISTINGS, readyPartitionOf, rootLanePartition, statusPartitions, summaryKey } from '@stint/core/store/table-keys';
import { buildUpdate } from '@stint/core/store/update-expression';
import { placeholderItem, takeStaleKeysSpec } from '@stint/local/repair/index-entries';
import { endRun, repairLocalTable, startRun } from '@stint/local/repair/startup-repair';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDynaliteFiles, type DynaliteFiles, type StoredRecord } from '../support/dynalite-files.ts';
import { createTestStack, emulatorClients, startEmulators, type Emulators } from '../support/stack.ts';

const TENANT = 'acme';
const noop = defineJob({ type: 'NOOP', run: async () => undefined });
const dataDir = mkdtempSync(join(tmpdir(), 'stint-repair-'));

let emulators: Emulators;
let dynamo: DynamoDBDocumentClient;
let tableName: string;
const ids: Record<'root' | 'child' | 'low' | 'canceled' | 'stopped' | 'neverWritten', string> = {} as never;

/** PENDING is spread over shards by job id: a test reads them all. */
const pendingPartitions = statusPartitions(TENANT, { system: false, child: false }, 'PENDING');

async function idsInAll(index: string, partitions: readonly string[]): Promise<string[]> {
  return (await Promise.all(partitions.map((partition) => idsIn(index, partition)))).flat();
}

/** Index entries a query of one index partition finds, as the item ids they point at. */
async function idsIn(index: string, partition: string): Promise<string[]> {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: index,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': `${index}pk` },
      ExpressionAttributeValues: { ':pk': partition },
    }),
  );
  return (out.Items ?? []).map((item) => (item.pk as string).slice(2));
}

async function item(pk: string, sk: string) {
  return (await dynamo.send(new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }))).Item;
}

/** Stops the emulators, works on dynalite's files as a kill would have left them, starts again. */
async function offline<T>(work: (files: DynaliteFiles) => Promise<T>): Promise<T> {
  await emulators.stop();
  try {
    return await withDynaliteFiles(dataDir, work);
  } finally {
    emulators = await startEmulators({ dataDir });
    dynamo = emulatorClients(emulators).dynamo;
  }
}

const jobKey = (id: string) => ({ pk: `J#${id}`, sk: 'J' });

function only(records: StoredRecord[]): StoredRecord {
  expect(records).toHaveLength(1);
  return records[0]!;
}

/**
 * Jobs in several states, then dynalite's files left as kills between its separate writes
 * would leave them: entries deleted before their item was rewritten, entries put for keys
 * the item never got, and counter deltas never flushed.
 */
beforeAll(async () => {
  emulators = await startEmulators({ dataDir });
  // One slot per root: the root holds it, so its child waits in the ready set.
  const stack = await createTestStack(emulators, { definitions: [noop], tuning: { maxInFlightPerRoot: 1 } });
  tableName = stack.provisioned.tableName;
  dynamo = stack.clients.dynamo;
  // Over the emulators running now (they restart below; the table stays, the queues go).
  const engine = () => new Engine({ clients: emulatorClients(emulators), config: stack.config, registry: new JobRegistry([noop]) });
  const submit = async (input: { lowPriority?: boolean; parentId?: string } = {}) => (await engine().submit({ type: 'NOOP', tenant: TENANT, ...input })).job.id;
  const scope = { tenant: TENANT };
  ids.root = await submit();
  ids.child = await submit({ parentId: ids.root });
  ids.low = await submit({ lowPriority: true });
  ids.canceled = await submit();
  await engine().apply('stop', ids.canceled, scope);
  await engine().apply('cancel', ids.canceled, scope);
  ids.stopped = await submit();
  ids.neverWritten = await submit();

  // The stop of `stopped`, killed after its index puts and before its item write: the item
  // is still PENDING and in flight, its STOPPED status entry exists, and its PENDING status
  // and in-flight entries were deleted.
  const before = await offline((files) => files.recordsOf(tableName, jobKey(ids.stopped)));
  await engine().apply('stop', ids.stopped, scope);
  // Counter deltas lost in flight, one driven negative.
  await dynamo.send(
    new UpdateCommand({
      TableName: tableName,
      Key: summaryKey(TENANT, { system: false, child: false }, 0),
      ...buildUpdate({ set: { total: 2, active: -1, canceled: 0 } }),
    }),
  );

  await offline(async (files) => {
    const after = await files.recordsOf(tableName, jobKey(ids.stopped));
    for (const entry of [...before.entries, ...after.entries]) await files.del(entry);
    await files.put(before.item!);
    await files.put(only(after.entries.filter((entry) => entry.value.gsi2pk?.S?.endsWith('#S#STOPPED'))));
    for (const entry of after.entries.filter((entry) => !entry.value.gsi2pk && !entry.value.gsi5pk)) await files.put(entry);

    // The child's ready-set entry and its root's lane entry, lost by writes killed after
    // their index deletes: the dispatcher would never see the child again.
    const child = await files.recordsOf(tableName, jobKey(ids.child));
    await files.del(only(child.entries.filter((entry) => entry.value.gsi5pk?.S?.startsWith('R#'))));
    const lane = await files.recordsOf(tableName, { pk: `F#${ids.root}`, sk: 'L#normal' });
    await files.del(only(lane.entries));

    // A submit killed after its index puts, before its item: entries for a job that is not there.
    const never = await files.recordsOf(tableName, jobKey(ids.neverWritten));
    await files.del(never.item!);

    // Statistics buckets never flushed.
    for await (const [dbKey, value] of files.db.iterator()) {
      if (dbKey.startsWith(`item-${tableName}~`) && value.sk?.S?.startsWith('ST#')) await files.db.del(dbKey);
    }
  });
});

afterAll(async () => {
  await emulators?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('startup repair of a dynalite table left by kills', () => {
  it('re-creates lost index entries and drops stale ones, so every job is found where its item says', async () => {
    // As the kills left them.
    expect(await idsIn('gsi5', readyPartitionOf('normal', { id: ids.child, rootId: ids.root }))).toEqual([]);
    expect(await idsIn('gsi5', rootLanePartition('normal', ids.root))).not.toContain(ids.root);
    expect(await idsIn('gsi2', `T#${TENANT}#u#S#STOPPED`)).toContain(ids.stopped);
    expect(await idsIn('gsi1', `T#${TENANT}#u`)).toContain(ids.neverWritten);

    const report = await repairLocalTable(dynamo, tableName);

    expect(report).toMatchObject({ jobs: 5, missingEntries: 4, staleEntries: 5, interruptedRepairs: 0 });
    expect(await idsIn('gsi5', readyPartitionOf('normal', { id: ids.child, rootId: ids.root }))).toEqual([ids.child]);
    expect(await idsIn('gsi5', rootLanePartition('normal', ids.root))).toContain(ids.root);
    expect(await idsIn('gsi2', `T#${TENANT}#u#S#STOPPED`)).not.toContain(ids.stopped);
    expect(await idsInAll('gsi2', pendingPartitions)).toContain(ids.stopped);
    const inFlight = (await item(`J#${ids.stopped}`, 'J'))!.gsi5pk as string;
    expect(await idsIn('gsi5', inFlight)).toContain(ids.stopped);
    for (const index of ['gsi1', 'gsi2', 'gsi3']) {
      const partitions = index === 'gsi1' ? [`T#${TENANT}#u`] : index === 'gsi2' ? pendingPartitions : [`T#${TENANT}#u#Y#NOOP`];
      for (const partition of partitions) expect(await idsIn(index, partition)).not.toContain(ids.neverWritten);
    }
    expect(await idsIn('gsi5', `I#0`)).not.toContain(ids.neverWritten);
  });

  it('sets the summary cards to the jobs that exist and raises statistics to them', async () => {
    // root, child, low, stopped (PENDING: its stop never landed) are active; one canceled.
    expect(await readSummary(new JobStore(dynamo, tableName), TENANT, LISTINGS)).toEqual({ total: 5, active: 4, completed: 0, failed: 0, canceled: 1 });
    const buckets = await dynamo.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :st)',
        ExpressionAttributeValues: { ':pk': `T#${TENANT}`, ':st': 'ST#' },
      }),
    );
    expect((buckets.Items ?? []).reduce((sum, bucket) => sum + (bucket.created as number), 0)).toBe(5);
  });

  it('changes nothing on a sound table', async () => {
    const report = await repairLocalTable(dynamo, tableName);
    expect(report).toMatchObject({ missingEntries: 0, staleEntries: 0, interruptedRepairs: 0, countersCorrected: 0 });
  });

  it('finishes a repair a kill interrupted between its two writes', async () => {
    const child = (await item(`J#${ids.child}`, 'J'))!;
    // Killed after the first write of a stale-entry drop: the item sits on the stale keys.
    const stale = [{ index: 'gsi5', partition: 'R#normal#gone', sort: '0000000000000#x', pk: child.pk, sk: child.sk }];
    await dynamo.send(new UpdateCommand({ TableName: tableName, Key: { pk: child.pk, sk: child.sk }, ...buildUpdate(takeStaleKeysSpec(child, stale)) }));
    // Killed between the put and the delete of a placeholder.
    const placeholder = placeholderItem({ pk: 'J#ghost', sk: 'J' }, [{ index: 'gsi5', partition: 'R#normal#gone', sort: '1', pk: 'J#ghost', sk: 'J' }]);
    await dynamo.send(new PutCommand({ TableName: tableName, Item: placeholder }));

    const report = await repairLocalTable(dynamo, tableName);

    expect(report.interruptedRepairs).toBe(2);
    expect(await item(`J#${ids.child}`, 'J')).toEqual(child);
    expect(await item('J#ghost', 'J')).toBeUndefined();
    expect(await idsIn('gsi5', 'R#normal#gone')).toEqual([]);
    expect(await idsIn('gsi5', readyPartitionOf('normal', { id: ids.child, rootId: ids.root }))).toEqual([ids.child]);
  });

  it('spares a start after a clean stop the repair, never one after a kill', async () => {
    // The table above never saw the marker: as after a kill, or from before the marker existed.
    expect(await startRun(dynamo, tableName)).toEqual({ previousRunKilled: true });
    await endRun(dynamo, tableName);
    expect(await startRun(dynamo, tableName)).toEqual({ previousRunKilled: false });
    // This run is killed: no endRun.
    expect(await startRun(dynamo, tableName)).toEqual({ previousRunKilled: true });
  });
});
