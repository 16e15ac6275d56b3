import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob, type SpawnOptions } from '@stint/sdk';
import type { JobRecord } from '@stint/core/job-record';
import { childIds } from '@stint/core/engine/job-tree';
import { engineInternals } from '@stint/core/testing';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';

/**
 * What a spawn writes (packages/core/src/engine/child-spawns.ts): each child's label, lane,
 * owner, concurrency key and place in its parent's run, the parent's counts, and the spawns
 * refused (an unknown type, data with no concurrency key), which fail the parent at once;
 * children spawned before the refusal are written and counted, so the parent ends after them.
 */
interface Spawn {
  type: string;
  data?: Record<string, unknown>;
  options?: SpawnOptions;
}

const FANOUT = defineJob<{ spawns: Spawn[] }>({
  type: 'FANOUT',
  async run(ctx) {
    for (const spawn of ctx.data.spawns) await ctx.spawn(spawn.type, spawn.data ?? {}, spawn.options);
    if (ctx.data.spawns.length > 0) await ctx.waitForChildren();
  },
});
const LABELED = defineJob<{ n: number }>({ type: 'LABELED', label: (data) => `leaf ${data.n}`, run: async () => ({}) });
const PLAIN = defineJob({ type: 'PLAIN', run: async () => ({}) });
const LIMITED = defineJob<{ customer?: string }>({ type: 'LIMITED', concurrency: { limit: 2, key: (data) => data.customer as string }, run: async () => ({}) });

interface SpawnCase {
  title: string;
  parent: { lowPriority?: boolean; runBy?: { id: string; name: string } };
  spawns: Spawn[];
  children: Array<{ label: string; lowPriority: boolean; runBy: { id: string; name: string } | undefined; concurrencyKey: string | undefined }>;
}

const ADA = { id: 'u1', name: 'Ada' };

const SPAWNS: SpawnCase[] = [
  {
    title: 'a child is labelled as asked, else by its type’s label, else by its type',
    parent: { runBy: ADA },
    spawns: [{ type: 'LABELED', data: { n: 1 }, options: { label: 'given' } }, { type: 'LABELED', data: { n: 2 } }, { type: 'PLAIN' }],
    children: [
      { label: 'given', lowPriority: false, runBy: ADA, concurrencyKey: undefined },
      { label: 'leaf 2', lowPriority: false, runBy: ADA, concurrencyKey: undefined },
      { label: 'PLAIN', lowPriority: false, runBy: ADA, concurrencyKey: undefined },
    ],
  },
  {
    title: 'a child takes its parent’s priority unless asked otherwise',
    parent: { lowPriority: false },
    spawns: [{ type: 'PLAIN', options: { lowPriority: true } }, { type: 'PLAIN' }, { type: 'PLAIN', options: { lowPriority: false } }],
    children: [
      { label: 'PLAIN', lowPriority: true, runBy: undefined, concurrencyKey: undefined },
      { label: 'PLAIN', lowPriority: false, runBy: undefined, concurrencyKey: undefined },
      { label: 'PLAIN', lowPriority: false, runBy: undefined, concurrencyKey: undefined },
    ],
  },
  {
    title: 'a low-priority parent’s children are low priority unless asked otherwise',
    parent: { lowPriority: true, runBy: ADA },
    spawns: [{ type: 'PLAIN' }, { type: 'PLAIN', options: { lowPriority: false } }],
    children: [
      { label: 'PLAIN', lowPriority: true, runBy: ADA, concurrencyKey: undefined },
      { label: 'PLAIN', lowPriority: false, runBy: ADA, concurrencyKey: undefined },
    ],
  },
  {
    title: 'a child of a limited type carries its concurrency key',
    parent: {},
    spawns: [
      { type: 'LIMITED', data: { customer: 'c1' } },
      { type: 'LIMITED', data: { customer: 'c2' } },
    ],
    children: [
      { label: 'LIMITED', lowPriority: false, runBy: undefined, concurrencyKey: 'c1' },
      { label: 'LIMITED', lowPriority: false, runBy: undefined, concurrencyKey: 'c2' },
    ],
  },
];

const REFUSALS: Array<{ title: string; spawns: Spawn[]; error: string; written: number }> = [
  { title: 'an unknown type', spawns: [{ type: 'NOPE' }], error: 'cannot spawn unknown job type NOPE', written: 0 },
  {
    title: 'data with no concurrency key',
    spawns: [{ type: 'LIMITED', data: {} }],
    error: 'cannot spawn LIMITED: its data gives no concurrency key',
    written: 0,
  },
];

describe.each(DYNAMO_BACKENDS)('spawning children on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [FANOUT, LABELED, PLAIN, LIMITED] });
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const deps = () => engineInternals(stack.engine).deps;
  const read = async (id: string) => (await deps().jobs.get(id))!;
  const childrenOf = async (id: string): Promise<JobRecord[]> => {
    const records = await deps().jobs.getMany(await childIds(deps(), id), true);
    return [...records.values()].sort((a, b) => a.spawnSeq! - b.spawnSeq!);
  };

  it.each(SPAWNS)('$title', async ({ parent: options, spawns, children: expected }) => {
    const { job } = await stack.engine.submit({ type: 'FANOUT', tenant: 'acme', data: { spawns }, ...options });
    await stack.runUntil(async () => (await read(job.id)).status === 'FINISHED');
    const parent = await read(job.id);
    expect(parent).toMatchObject({ hasErrors: false, childrenTotal: spawns.length, childrenDone: spawns.length, spawned: spawns.length });
    const children = await childrenOf(job.id);
    expect(children.map((child) => ({ label: child.label, lowPriority: child.lowPriority, runBy: child.runBy, concurrencyKey: child.concurrencyKey }))).toEqual(
      expected,
    );
    expect(children.map((child) => [child.tenant, child.parentId, child.rootId, child.parentRun, child.spawnSeq])).toEqual(
      expected.map((_, i) => ['acme', job.id, job.id, 0, i + 1]),
    );
    const created = stack.events.filter((event) => event.type === 'jobCreated' && event.rootId === job.id && event.jobId !== job.id);
    expect(created.map((event) => (event as { jobId: string }).jobId).sort()).toEqual(children.map((child) => child.id).sort());
  });

  it('leaves a parent that spawns nothing without a spawn count', async () => {
    const { job } = await stack.engine.submit({ type: 'FANOUT', tenant: 'acme', data: { spawns: [] } });
    await stack.runUntil(async () => (await read(job.id)).status === 'FINISHED');
    const parent = await read(job.id);
    expect(parent.spawned).toBeUndefined();
    expect(parent.childrenTotal).toBe(0);
  });

  it.each(REFUSALS)('refuses a spawn of $title: the parent fails at once, and no child is written', async ({ spawns, error, written }) => {
    const { job } = await stack.engine.submit({ type: 'FANOUT', tenant: 'acme', data: { spawns } });
    await stack.runUntil(async () => (await read(job.id)).status === 'FINISHED');
    const parent = await read(job.id);
    expect(parent.hasErrors).toBe(true);
    expect(parent.error).toContain(error);
    expect(parent.attempt).toBe(0);
    expect(await childIds(deps(), job.id)).toHaveLength(written);
  });

  it('keeps a child spawned before a refused spawn: the failing parent counts it and ends after it', async () => {
    const { job } = await stack.engine.submit({ type: 'FANOUT', tenant: 'acme', data: { spawns: [{ type: 'PLAIN' }, { type: 'NOPE' }] } });
    await stack.runUntil(async () => (await read(job.id)).status === 'FINISHED');
    const parent = await read(job.id);
    expect(parent).toMatchObject({ hasErrors: true, spawned: 1, childrenTotal: 1, childrenDone: 1 });
    expect(parent.error).toContain('cannot spawn unknown job type NOPE');
    const [child, ...others] = await childrenOf(job.id);
    expect(others).toEqual([]);
    expect(child).toMatchObject({ type: 'PLAIN', status: 'FINISHED', spawnSeq: 1 });
    expect(parent.endDate!).toBeGreaterThanOrEqual(child!.endDate!);
  });
});
