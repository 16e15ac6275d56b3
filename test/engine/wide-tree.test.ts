import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { CASCADE_INLINE_CHILDREN } from '@stint/core/engine/cascade-marker';
import { systemJobDefinitions } from '@stint/core/system-jobs/index';
import { childIds } from '@stint/core/engine/job-tree';
import { createTestStack, startEmulators, type Emulators } from '../support/stack.ts';
import { eventually } from '../support/gate.ts';

const WIDE = defineJob<{ children: number }>({
  type: 'WIDE',
  async run(ctx) {
    for (let i = 0; i < ctx.data.children; i++) await ctx.spawn('LEAF', { i });
    await ctx.waitForChildren();
  },
});
const LEAF = defineJob({ type: 'LEAF', run: async (ctx) => void (await ctx.step('work', () => new Promise((r) => setTimeout(r, 20)))) });

let emulators: Emulators;
beforeAll(async () => {
  emulators = await startEmulators();
});
afterAll(async () => {
  await emulators?.stop();
});

describe('a tree wider than the inline cascade', () => {
  it('stops, resumes and deletes its children through CASCADE system jobs', async () => {
    const stack = await createTestStack(emulators, { definitions: [WIDE, LEAF], tuning: { maxInFlightPerRoot: 2 } });
    for (const definition of systemJobDefinitions(() => stack.engine, stack.clients, stack.config)) stack.engine.deps.registry.register(definition);
    const children = CASCADE_INLINE_CHILDREN + 20;
    const statuses = async () => {
      const records = await stack.engine.deps.jobs.getMany(await childIds(stack.engine.deps, root.id));
      return [...records.values()].map((r) => r.status);
    };
    const root = (await stack.engine.submit({ type: 'WIDE', tenant: 'acme', data: { children } })).job;
    try {
      await stack.runUntil(async () => (await stack.engine.deps.jobs.get(root.id))?.parked === 'waiting', 60_000);

      // The parent stops at once; its children follow through the system job.
      expect((await stack.engine.apply('stop', root.id, { tenant: 'acme' }))?.status).toBe('STOPPED');
      await eventually(async () => (await statuses()).every((s) => s === 'STOPPED' || s === 'FINISHED'), 60_000);
      const walks = stack.events.filter((e) => e.type === 'jobCreated' && e.jobType === 'CASCADE');
      expect(walks).toHaveLength(1);

      await stack.engine.apply('resume', root.id, { tenant: 'acme' });
      await stack.runUntil(async () => (await stack.engine.get(root.id, { tenant: 'acme' })).status === 'FINISHED', 240_000);
      expect((await stack.engine.get(root.id, { tenant: 'acme' })).childrenProgress).toEqual({ finished: children, total: children });

      // Deleting the root removes the tree, through a third CASCADE job (after the stop's and
      // the resume's) that removes the root last.
      const ids = await childIds(stack.engine.deps, root.id);
      expect(await stack.engine.apply('delete', root.id, { tenant: 'acme' })).toBeNull();
      await stack.runUntil(async () => (await stack.engine.deps.jobs.get(root.id)) === undefined, 240_000);
      expect(stack.events.filter((e) => e.type === 'jobCreated' && e.jobType === 'CASCADE')).toHaveLength(3);
      expect((await stack.engine.deps.jobs.getMany(ids)).size).toBe(0);
      expect((await stack.engine.deps.jobs.queryPartition(`J#${ids[0]}`, '')).items).toEqual([]);
    } finally {
      await stack.stop();
    }
  }, 600_000);
});
