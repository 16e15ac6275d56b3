import { describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import type { JobRecord } from '@stint/core/job-record';
import type { MarkedOperation } from '@stint/core/engine/cascade-marker';
import { childIds } from '@stint/core/engine/job-tree';
import { deletePage } from '@stint/core/engine/tree-delete';
import { openCursors } from '@stint/core/query/cursor';
import { findJobs } from '@stint/core/query/job-finder';
import { parseJobQuery } from '@stint/core/query/job-query';
import { CHILD_SHARDS, cascadeKey, parentPartition, parentPartitions } from '@stint/core/store/table-keys';
import { engineStack } from '../support/engine-stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { treeJobItem } from '../support/job-items.ts';

/**
 * A parent's children over its CHILD_SHARDS gsi4 partitions (table-keys.ts `parentPartitionOf`):
 * every reader of them reads every shard. Each tree is placed until every shard holds a child
 * (read back from the items' `gsi4pk`), so a reader of shard 0 alone misses some: the walks of
 * a CASCADE job (cancel, retry, delete), the inline delete, the list of children, the delete's
 * check for a child left, and a walk's cursor stored before the sharding, which goes on in
 * shard 0 and then the others.
 */
const NODE = defineJob({ type: 'NODE', run: async () => ({}) });

describe.each(DYNAMO_BACKENDS)('a parent’s children over its gsi4 shards on %s', (backend) => {
  let now = Date.now();
  const { stack, deps, ctx } = engineStack(backend, { definitions: [NODE], clock: () => now });
  const statusOf = async (ids: string[]) => Object.fromEntries([...(await deps().jobs.getMany(ids, true)).values()].map((child) => [child.id, child.status]));
  const each = (ids: string[], status: JobStatus) => Object.fromEntries(ids.map((id) => [id, status]));
  const present = async (ids: string[]) => [...(await deps().jobs.getMany(ids, true)).keys()].sort();

  /** A root and children placed in spawn order until every shard holds one and there are `enough`. */
  async function placeTree(
    tenant: string,
    root: { status: JobStatus; fields: Partial<JobRecord> },
    status: JobStatus,
    enough: (children: JobRecord[]) => boolean = () => true,
  ) {
    now = Date.now();
    const parent = treeJobItem(now, root.status, null, { tenant, fields: root.fields });
    await deps().jobs.create(parent);
    const children: JobRecord[] = [];
    const held = new Set<string>();
    // Bounded, so a writer that keeps to one shard fails the check below instead of looping.
    for (let seq = 1; seq <= 400 && (held.size < CHILD_SHARDS || !enough(children)); seq++) {
      const child = treeJobItem(now, status, parent, { tenant, seq });
      await deps().jobs.create(child);
      held.add((await deps().jobs.get(child.id))!.gsi4pk!);
      children.push(child);
    }
    expect([...held].sort()).toEqual(parentPartitions(parent.id).sort());
    return { root: parent, children };
  }

  /** A CASCADE job's pages, its cursor kept as its step's checkpoint keeps it (JSON). */
  async function walk(operation: MarkedOperation, jobId: string, from?: Record<string, unknown>, since?: number): Promise<number> {
    let cursor = from;
    let pages = 0;
    do {
      const next = await stack().engine.cascadePage({ jobId, operation, ...(since === undefined ? {} : { since }) }, cursor);
      cursor = next === undefined ? undefined : JSON.parse(JSON.stringify(next));
      pages++;
    } while (cursor);
    return pages;
  }

  it('cancels every child of a wide tree, page after page through the shards', async () => {
    const { root, children } = await placeTree('wide-cancel', { status: 'CANCELING', fields: {} }, 'PENDING', (children) => children.length >= 130);
    const ids = children.map((child) => child.id);

    expect(await walk('cancel', root.id)).toBe(2);

    expect(await statusOf(ids)).toEqual(each(ids, 'CANCELED'));
  });

  it('retries the failed children of every shard, then the root', async () => {
    const failed = { hasErrors: true, error: 'boom' };
    const { root, children } = await placeTree('wide-retry', { status: 'FINISHED', fields: { hasErrors: true } }, 'FINISHED');
    for (const child of children) await deps().jobs.tryUpdate(child.id, { set: failed });
    await deps().jobs.tryUpdate(root.id, { set: { childrenTotal: children.length, childrenDone: children.length } });
    const ids = children.map((child) => child.id);

    await walk('retry', root.id, undefined, now);

    expect(await statusOf([root.id, ...ids])).toEqual(each([root.id, ...ids], 'PENDING'));
  });

  it('reads every shard for the ids of the children, oldest first', async () => {
    const { root, children } = await placeTree('ids', { status: 'RUNNING', fields: {} }, 'PENDING');
    expect(await childIds(deps(), root.id)).toEqual(children.map((child) => child.id));
  });

  it('lists every child of a parent, newest first', async () => {
    const { root, children } = await placeTree('listed', { status: 'RUNNING', fields: {} }, 'PENDING');
    const page = await findJobs(deps().jobs, { tenant: 'listed' }, parseJobQuery({ parentId: root.id }), now, openCursors);
    expect(page.items.map((job) => job.id)).toEqual(children.map((child) => child.id).reverse());
    expect(page.nextCursor).toBeNull();
  });

  it('deletes every member of a small tree inline', async () => {
    const { root, children } = await placeTree('inline-delete', { status: 'FINISHED', fields: {} }, 'FINISHED');
    expect(await stack().engine.apply('delete', root.id, { tenant: 'inline-delete' })).toBeNull();
    expect(await present([root.id, ...children.map((child) => child.id)])).toEqual([]);
  });

  it('keeps the root of a wide delete for a child left in a shard after the first', async () => {
    const tenant = 'left-behind';
    const { root, children } = await placeTree(tenant, { status: 'FINISHED', fields: { deleting: true } }, 'FINISHED');
    let seq = children.length + 1;
    while (treeJobItem(now, 'RUNNING', root, { tenant, seq }).gsi4pk === parentPartition(root.id)) seq++;
    const running = treeJobItem(now, 'RUNNING', root, { tenant, seq });
    await deps().jobs.create(running);

    expect(await deletePage(ctx(), root.id, undefined)).toBeUndefined();

    // The ended children went; the root stays above the running one, marked for the sweeper's redo.
    expect(await present([root.id, running.id, ...children.map((child) => child.id)])).toEqual([root.id, running.id].sort());
    expect(await deps().jobs.getItem(cascadeKey(root.id))).toMatchObject({ jobId: root.id, operation: 'delete' });
  });

  it('goes on from a cursor stored before the sharding in shard 0, then walks the other shards', async () => {
    const inShard0 = (children: JobRecord[]) => children.filter((child) => child.gsi4pk === parentPartition(child.parentId!));
    // Shard 0 (unsuffixed, as every child's entry was before) holds one more after the cursor's.
    const { root, children } = await placeTree('legacy-cursor', { status: 'CANCELING', fields: {} }, 'PENDING', (placed) => inShard0(placed).length >= 2);
    const legacy = inShard0(children)[0]!;
    // What a CASCADE step checkpointed before: DynamoDB's LastEvaluatedKey in P#<parent>.
    const cursor = { pk: legacy.pk, sk: legacy.sk, gsi4pk: legacy.gsi4pk, gsi4sk: legacy.gsi4sk };

    await walk('cancel', root.id, cursor);

    const others = children.filter((child) => child !== legacy).map((child) => child.id);
    expect(await statusOf([legacy.id])).toEqual(each([legacy.id], 'PENDING'));
    expect(await statusOf(others)).toEqual(each(others, 'CANCELED'));
  });
});
