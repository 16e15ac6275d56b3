import { describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import { setCrashPointHook } from '@stint/core/crash-points';
import type { JobRecord } from '@stint/core/job-record';
import { deletePage, deleteTree } from '@stint/core/engine/tree-delete';
import { finishCascades } from '@stint/core/engine/cascade';
import { markCascade } from '@stint/core/engine/cascade-marker';
import { cascadeKey, idempotencyKey } from '@stint/core/store/table-keys';
import { engineStack } from '../support/engine-stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { cursorAfter, nextSeqInShard, treeJobItem } from '../support/job-items.ts';

/**
 * The details of a tree's removal (packages/core/src/engine/tree-delete.ts) its other tests do
 * not look at: what a refusal names, the one CASCADE walk a repeated hand-off submits, where a
 * wide tree's page starts and a last page repeated after the root is gone, and the step that
 * clears a member's logs before its item goes, only while it is still ended. Trees are
 * written directly; the engine's clock is the test's and no poller runs.
 */
const NODE = defineJob({ type: 'NODE', run: async () => ({}) });
/** The engine's default settle grace: the sweeper redoes a marker older than this. */
const SETTLE_GRACE_MS = 60_000;

describe.each(DYNAMO_BACKENDS)('the steps of deleting a tree on %s', (backend) => {
  let now = Date.now();
  const { stack, deps, ctx } = engineStack(backend, { definitions: [NODE], clock: () => now });
  const read = (id: string) => deps().jobs.get(id);
  const present = async (ids: string[]) => [...(await deps().jobs.getMany(ids, true)).keys()].sort();
  const scope = (tenant: string) => ({ tenant });
  const marker = (id: string) => deps().jobs.getItem(cascadeKey(id));

  async function place(tenant: string, status: JobStatus, parent: JobRecord | null, fields: Partial<JobRecord> = {}, seq = 1): Promise<JobRecord> {
    const record = treeJobItem(now, status, parent, { tenant, seq, fields });
    await deps().jobs.create(record);
    return record;
  }

  it('names the root, the child and the operation when a child is deleted on its own', async () => {
    now = Date.now();
    const root = await place('alone', 'FINISHED', null, { childrenTotal: 1, childrenDone: 1 });
    const child = await place('alone', 'FINISHED', root);

    await expect(stack().engine.apply('delete', child.id, scope('alone'))).rejects.toMatchObject({
      code: 'conflict',
      message: `job ${child.id} is part of the tree of ${root.id}: delete that root job to remove the tree`,
      details: { jobId: child.id, operation: 'delete', rootId: root.id },
    });
    expect(await present([root.id, child.id])).toEqual([root.id, child.id].sort());
  });

  it('names the root, the member that has not ended and the operation when it refuses a tree', async () => {
    now = Date.now();
    const root = await place('unended', 'CANCELED', null, { childrenTotal: 1, childrenDone: 0 });
    const child = await place('unended', 'STOPPING', root);

    await expect(stack().engine.apply('delete', root.id, scope('unended'))).rejects.toMatchObject({
      code: 'conflict',
      message: `job ${child.id} of this tree is still STOPPING: the tree can be deleted once every job in it has ended`,
      details: { jobId: root.id, operation: 'delete', unfinishedId: child.id },
    });
  });

  it('looks past an ended member to its siblings for one that has not ended', async () => {
    now = Date.now();
    const root = await place('sibling', 'FINISHED', null, { childrenTotal: 2, childrenDone: 1 });
    await place('sibling', 'FINISHED', root, {}, 1);
    const running = await place('sibling', 'RUNNING', root, {}, 2);

    await expect(stack().engine.apply('delete', root.id, scope('sibling'))).rejects.toMatchObject({ details: { unfinishedId: running.id } });
  });

  it('reads the root again when its flag write loses a race, and removes the tree then', async () => {
    now = Date.now();
    const root = await place('flag-raced', 'FINISHED', null, { childrenTotal: 1, childrenDone: 1 });
    const child = await place('flag-raced', 'FINISHED', root);
    let raced = false;
    setCrashPointHook(async (point, detail) => {
      if (point !== 'cascade.marked' || detail.jobId !== root.id || raced) return;
      raced = true;
      await deps().jobs.tryUpdate(root.id, { set: { label: 'renamed' }, setRaw: { version: '#version + :one' }, values: { ':one': 1 } });
    });

    expect(await stack().engine.apply('delete', root.id, scope('flag-raced'))).toBeNull();

    expect([raced, await present([root.id, child.id])]).toEqual([true, []]);
  });

  it('submits one CASCADE walk per marker of a wide root, however often its hand-off is repeated', async () => {
    now = Date.now();
    const tenant = 'repeated-handoff';
    const root = await place(tenant, 'FINISHED', null, { childrenTotal: 501, childrenDone: 501, deleting: true });
    const marker = { jobId: root.id, operation: 'delete' as const, markedAt: now };
    const before = stack().events.length;

    // The request's hand-off, then the sweeper's redo of its marker after a crash.
    await deleteTree(ctx(), root, marker);
    await deleteTree(ctx(), root, marker);

    const created = stack()
      .events.slice(before)
      .filter((event) => event.type === 'jobCreated' && event.jobType === 'CASCADE');
    expect(created).toHaveLength(1);
    const key = await deps().jobs.getItem(idempotencyKey(tenant, `cascade:${root.id}:delete:${marker.markedAt}`));
    expect(key?.jobId).toBe((created[0] as { jobId: string }).jobId);
  });

  it('starts a page of a wide tree where the page before ended', async () => {
    now = Date.now();
    const tenant = 'paged';
    const root = await place(tenant, 'FINISHED', null, { childrenTotal: 600, childrenDone: 600, deleting: true });
    const first = await place(tenant, 'FINISHED', root, {}, 1);
    const second = await place(tenant, 'FINISHED', root, {}, nextSeqInShard(root, 1));

    expect(await deletePage(ctx(), root.id, cursorAfter(first))).toBeUndefined();

    // The first child, which the page before would have removed, is still below the root,
    // so the root stays for it.
    expect(await present([root.id, first.id, second.id])).toEqual([root.id, first.id].sort());
  });

  it('repeats a last page whose root is already gone without failing', async () => {
    now = Date.now();
    const tenant = 'gone-root';
    const root = await place(tenant, 'FINISHED', null, { childrenTotal: 600, childrenDone: 600, deleting: true });
    const child = await place(tenant, 'FINISHED', root);
    expect(await deletePage(ctx(), root.id, undefined)).toBeUndefined();
    expect(await present([root.id, child.id])).toEqual([]);

    // A crash after the root went and before the step's checkpoint: the page runs again.
    expect(await deletePage(ctx(), root.id, undefined)).toBeUndefined();
  });

  it('clears a member’s logs before its item goes, marking the point with the member', async () => {
    now = Date.now();
    const tenant = 'cleared-first';
    const root = await place(tenant, 'FINISHED', null, { childrenTotal: 1, childrenDone: 1 });
    const child = await place(tenant, 'FINISHED', root);
    await deps().jobs.put({ pk: `J#${child.id}`, sk: 'L#0000000000001#000001', message: 'a line' });
    const hits: Array<{ jobId: string | undefined; jobType: string | undefined; item: boolean; logs: number }> = [];
    setCrashPointHook(async (point, detail) => {
      if (point !== 'delete.partitionsCleared') return;
      hits.push({
        jobId: detail.jobId,
        jobType: detail.jobType,
        item: (await read(detail.jobId ?? '')) !== undefined,
        logs: (await deps().jobs.queryPartition(`J#${detail.jobId}`, 'L#')).items.length,
      });
    });

    expect(await stack().engine.apply('delete', root.id, scope(tenant))).toBeNull();

    expect(hits).toEqual([
      { jobId: child.id, jobType: 'NODE', item: true, logs: 0 },
      { jobId: root.id, jobType: 'NODE', item: true, logs: 0 },
    ]);
    expect(await present([root.id, child.id])).toEqual([]);
  });

  it('removes a member’s item only while it is still ended: one restarted as its logs were cleared keeps it', async () => {
    now = Date.now();
    const tenant = 'restarted-late';
    const root = await place(tenant, 'FINISHED', null, { childrenTotal: 1, childrenDone: 1 });
    const child = await place(tenant, 'FINISHED', root);
    setCrashPointHook(async (point, detail) => {
      if (point === 'delete.partitionsCleared' && detail.jobId === child.id) await deps().jobs.tryUpdate(child.id, { set: { status: 'PENDING' } });
    });

    expect(await stack().engine.apply('delete', root.id, scope(tenant))).toBeNull();
    setCrashPointHook(undefined);

    // The root stays above it, flagged, and so does the marker, however often the sweeper
    // redoes it while the member runs; once the member has ended, the redo removes the tree.
    expect((await read(child.id))?.status).toBe('PENDING');
    now += SETTLE_GRACE_MS + 1;
    await finishCascades(ctx());
    expect([await present([root.id, child.id]), (await read(root.id))?.deleting, (await marker(root.id))?.operation]).toEqual([
      [root.id, child.id].sort(),
      true,
      'delete',
    ]);
    await deps().jobs.tryUpdate(child.id, { set: { status: 'FINISHED' } });
    await finishCascades(ctx());
    expect([await present([root.id, child.id]), await marker(root.id)]).toEqual([[], undefined]);
  });

  it('keeps an ended member whose own member was restarted during the walk, and the root above them', async () => {
    now = Date.now();
    const tenant = 'restarted-deep';
    const root = await place(tenant, 'FINISHED', null, { childrenTotal: 1, childrenDone: 1 });
    const child = await place(tenant, 'FINISHED', root, { childrenTotal: 1, childrenDone: 1 });
    const grandchild = await place(tenant, 'FINISHED', child);
    setCrashPointHook(async (point, detail) => {
      if (point === 'cascade.applied' && detail.jobId === root.id) await deps().jobs.tryUpdate(grandchild.id, { set: { status: 'PENDING' } });
    });

    expect(await stack().engine.apply('delete', root.id, scope(tenant))).toBeNull();

    expect(await present([root.id, child.id, grandchild.id])).toEqual([root.id, child.id, grandchild.id].sort());
  });

  it('clears the marker of a wide tree once its redo has handed the walk to a CASCADE job, which owns it from then on', async () => {
    now = Date.now();
    const tenant = 'handed-off';
    const root = await place(tenant, 'FINISHED', null, { childrenTotal: 600, childrenDone: 600, deleting: true });
    await place(tenant, 'FINISHED', root);
    const { markedAt } = await markCascade(ctx(), root, 'delete');
    now += SETTLE_GRACE_MS + 1;

    await finishCascades(ctx());

    expect(await marker(root.id)).toBeUndefined();
    const walk = await deps().jobs.getItem(idempotencyKey(tenant, `cascade:${root.id}:delete:${markedAt}`));
    expect((await read(walk?.jobId as string))?.type).toBe('CASCADE');
  });

  it('keeps the root of a wide tree whose walk left a member restarted, marked for a new walk once it has ended', async () => {
    now = Date.now();
    const tenant = 'restarted-wide';
    const root = await place(tenant, 'FINISHED', null, { childrenTotal: 600, childrenDone: 600, deleting: true });
    const restarted = await place(tenant, 'PENDING', root, {}, 1);
    const ended = await place(tenant, 'FINISHED', root, {}, 2);

    expect(await deletePage(ctx(), root.id, undefined)).toBeUndefined();

    expect(await present([root.id, restarted.id, ended.id])).toEqual([root.id, restarted.id].sort());
    const remarked = (await marker(root.id)) as unknown as { operation: string; markedAt: number };
    expect(remarked).toMatchObject({ operation: 'delete', markedAt: now });

    // The sweeper's redo of that marker hands the tree to a new walk, which then removes it.
    await deps().jobs.tryUpdate(restarted.id, { set: { status: 'CANCELED' } });
    now += SETTLE_GRACE_MS + 1;
    await finishCascades(ctx());
    const walk = await deps().jobs.getItem(idempotencyKey(tenant, `cascade:${root.id}:delete:${remarked.markedAt}`));
    expect((await read(walk?.jobId as string))?.type).toBe('CASCADE');
    expect(await deletePage(ctx(), root.id, undefined)).toBeUndefined();
    expect(await present([root.id, restarted.id])).toEqual([]);
  });
});
