import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobStatus } from '@stint/core';
import { setCrashPointHook } from '@stint/core/crash-points';
import type { JobRecord } from '@stint/core/job-record';
import { finishCascades } from '@stint/core/engine/cascade';
import { deleteJob, deletePage } from '@stint/core/engine/tree-delete';
import { cascadeKey } from '@stint/core/store/table-keys';
import { engineInternals } from '@stint/core/testing';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { treeJobItem } from '../support/job-items.ts';

/**
 * What deleting a tree walks and what it leaves (packages/core/src/engine/tree-delete.ts), on
 * trees written directly in the state each case needs: a member that has not ended, deep or
 * restarted half-way, keeps the tree; a tree wider than one api request's walk (500 children)
 * is handed to a CASCADE job, which removes it a page of 100 at a time. The engine's clock is
 * the test's; no poller runs unless a case runs the CASCADE job.
 */
const NODE = defineJob({ type: 'NODE', run: async () => ({}) });
/** The engine's default settle grace: the sweeper redoes a marker older than this. */
const SETTLE_GRACE_MS = 60_000;

describe.each(DYNAMO_BACKENDS)('deleting a placed tree on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  let now = Date.now();
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [NODE], clock: () => now });
  });
  afterEach(() => setCrashPointHook(undefined));
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const deps = () => engineInternals(stack.engine).deps;
  const ctx = () => ({ deps: deps(), dispatcher: engineInternals(stack.engine).dispatcher, counters: deps().counters.batch() });
  const read = (id: string) => deps().jobs.get(id);
  const marker = async (id: string) => deps().jobs.getItem(cascadeKey(id));

  async function place(status: JobStatus, parent: JobRecord | null, fields: Partial<JobRecord> = {}, seq = 1): Promise<JobRecord> {
    const record = treeJobItem(now, status, parent, { seq, fields });
    await deps().jobs.create(record);
    return record;
  }

  /** A FINISHED root with `count` FINISHED children (and `total` as its count of them). */
  async function placeTree(count: number, total = count): Promise<{ root: JobRecord; children: JobRecord[] }> {
    const root = await place('FINISHED', null, { childrenTotal: total, childrenDone: total });
    const children = await Promise.all(Array.from({ length: count }, (_, i) => place('FINISHED', root, {}, i + 1)));
    return { root, children };
  }

  const present = async (ids: string[]) => [...(await deps().jobs.getMany(ids, true)).keys()].sort();

  it('leaves a root that has not ended as it is', async () => {
    now = Date.now();
    const root = await place('RUNNING', null, { childrenTotal: 1, childrenDone: 1 });
    const child = await place('FINISHED', root);
    expect(await deleteJob(ctx(), root)).toBeNull();
    expect(await read(root.id)).toEqual(root);
    expect(await read(child.id)).toEqual(child);
    expect(await marker(root.id)).toBeUndefined();
  });

  it('refuses a tree whose unfinished member is a grandchild, naming it, and removes nothing', async () => {
    now = Date.now();
    const root = await place('FINISHED', null, { childrenTotal: 2, childrenDone: 2 });
    const first = await place('FINISHED', root, {}, 1);
    const second = await place('CANCELED', root, { childrenTotal: 1, childrenDone: 0 }, 2);
    const grandchild = await place('STOPPED', second, {}, 1);
    const refused = await stack.engine.apply('delete', root.id, { tenant: 'acme' }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'conflict', details: { unfinishedId: grandchild.id } });
    expect(await present([root.id, first.id, second.id, grandchild.id])).toEqual([root.id, first.id, second.id, grandchild.id].sort());
    expect(await read(root.id)).toEqual(root);
  });

  it('keeps a member restarted between the check and the walk, with the root and the marker, until the sweeper’s redo', async () => {
    now = Date.now();
    const { root, children } = await placeTree(2);
    const [restarted, sibling] = children as [JobRecord, JobRecord];
    setCrashPointHook(async (point, detail) => {
      if (point !== 'cascade.applied' || detail.jobId !== root.id) return;
      await deps().jobs.tryUpdate(restarted.id, { set: { status: 'PENDING' } });
    });
    expect(await stack.engine.apply('delete', root.id, { tenant: 'acme' })).toBeNull();
    setCrashPointHook(undefined);
    expect(await present([root.id, restarted.id, sibling.id])).toEqual([root.id, restarted.id].sort());
    expect((await read(root.id))?.deleting).toBe(true);
    expect(await marker(root.id)).toMatchObject({ jobId: root.id, operation: 'delete' });

    // The restarted member ends; the sweeper's redo of the marker removes what was left.
    await deps().jobs.tryUpdate(restarted.id, { set: { status: 'CANCELED' } });
    now += SETTLE_GRACE_MS + 1;
    expect(await finishCascades(ctx())).toBe(1);
    expect(await present([root.id, restarted.id])).toEqual([]);
    expect(await marker(root.id)).toBeUndefined();
  });

  it('removes a tree of exactly 500 children in the request itself, a page of 100 at a time', async () => {
    now = Date.now();
    // The root counts 500; 101 are written (a page and one more), so the walk reads two pages.
    const { root, children } = await placeTree(101, 500);
    const before = stack.events.length;
    expect(await stack.engine.apply('delete', root.id, { tenant: 'acme' })).toBeNull();
    expect(await present([root.id, ...children.map((child) => child.id)])).toEqual([]);
    expect(await marker(root.id)).toBeUndefined();
    expect(stack.events.slice(before).filter((event) => event.type === 'jobCreated')).toEqual([]);
  });

  it('hands a tree of 501 children to a CASCADE job, which removes it', async () => {
    now = Date.now();
    const { root, children } = await placeTree(3, 501);
    const before = stack.events.length;
    expect(await stack.engine.apply('delete', root.id, { tenant: 'acme' })).toBeNull();
    // Nothing removed by the request: the root is flagged, and a walk was submitted.
    expect(await present([root.id, ...children.map((child) => child.id)])).toEqual([root.id, ...children.map((child) => child.id)].sort());
    expect(await read(root.id)).toMatchObject({ deleting: true, version: root.version + 1 });
    const submitted = stack.events.slice(before).filter((event) => event.type === 'jobCreated' && event.jobType === 'CASCADE');
    expect(submitted).toHaveLength(1);
    const walk = (await read((submitted[0] as { jobId: string }).jobId))!;
    expect(walk).toMatchObject({ tenant: 'acme', label: 'Delete the tree of NODE', data: { jobId: root.id, operation: 'delete' }, system: true });

    now = Date.now();
    await stack.runUntil(async () => (await read(walk.id))?.status === 'FINISHED');
    expect(await present([root.id, ...children.map((child) => child.id)])).toEqual([]);
  });

  it('removes a wide tree a page at a time, and the root with the last page', async () => {
    now = Date.now();
    const { root, children } = await placeTree(101, 600);
    await deps().jobs.tryUpdate(root.id, { set: { deleting: true } });
    const ids = children.map((child) => child.id);

    const next = await deletePage(ctx(), root.id, undefined);
    expect(next).toBeDefined();
    expect(await present(ids)).toHaveLength(1);
    expect(await read(root.id)).toBeDefined();

    expect(await deletePage(ctx(), root.id, next)).toBeUndefined();
    expect(await present([root.id, ...ids])).toEqual([]);
  });

  it('writes a schedule run’s end to its run record before removing it, and only a run’s', async () => {
    now = Date.now();
    const removed: string[] = [];
    const original = deps().runRemoved;
    deps().runRemoved = async (record) => void removed.push(record.id);
    try {
      const root = await place('FINISHED', null, { childrenTotal: 1, childrenDone: 1, scheduleId: 'nightly' });
      const child = await place('FINISHED', root);
      const plain = await place('CANCELED', null);
      expect(await stack.engine.apply('delete', root.id, { tenant: 'acme' })).toBeNull();
      expect(await stack.engine.apply('delete', plain.id, { tenant: 'acme' })).toBeNull();
      expect(removed).toEqual([root.id]);
      expect(await present([root.id, child.id, plain.id])).toEqual([]);
    } finally {
      deps().runRemoved = original;
    }
  });

  it('leaves a root not flagged for deletion when its last page is walked', async () => {
    now = Date.now();
    const { root, children } = await placeTree(1);
    expect(await deletePage(ctx(), root.id, undefined)).toBeUndefined();
    expect(await present([root.id, children[0]!.id])).toEqual([root.id]);
  });
});
