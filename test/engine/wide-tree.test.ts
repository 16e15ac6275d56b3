import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { CASCADE_INLINE_CHILDREN } from '@stint/core/engine/cascade-marker';
import { childIds } from '@stint/core/engine/job-tree';
import { createTestStack, startEmulators, type Emulators } from '../support/stack.ts';
import { eventually } from '../support/gate.ts';
import { engineInternals } from '@stint/core/testing';

const WIDE = defineJob<{ children: number }>({
  type: 'WIDE',
  async run(ctx) {
    for (let i = 0; i < ctx.data.children; i++) await ctx.spawn('LEAF', { i });
    await ctx.waitForChildren();
  },
});
/** Every hundredth leaf (7, 107, …) fails while this is set. */
let leavesBroken = true;
const LEAF = defineJob<{ i: number }>({
  type: 'LEAF',
  retry: { maxAttempts: 1 },
  async run(ctx) {
    await ctx.step('work', async () => {
      await new Promise((r) => setTimeout(r, 20));
      if (leavesBroken && ctx.data.i % 100 === 7) throw new Error(`leaf ${ctx.data.i} is broken`);
    });
  },
});

let emulators: Emulators;
beforeAll(async () => {
  emulators = await startEmulators();
});
afterAll(async () => {
  await emulators?.stop();
});

describe('a tree wider than the inline cascade', () => {
  it('stops, resumes, retries and deletes its children through CASCADE system jobs', async () => {
    const stack = await createTestStack(emulators, { definitions: [WIDE, LEAF], tuning: { maxInFlightPerRoot: 2 } });
    const children = CASCADE_INLINE_CHILDREN + 20;
    const statuses = async () => {
      const records = await engineInternals(stack.engine).deps.jobs.getMany(await childIds(engineInternals(stack.engine).deps, root.id));
      return [...records.values()].map((r) => r.status);
    };
    const root = (await stack.engine.submit({ type: 'WIDE', tenant: 'acme', data: { children } })).job;
    try {
      await stack.runUntil(async () => (await engineInternals(stack.engine).deps.jobs.get(root.id))?.parked === 'waiting', 60_000);

      // The parent stops at once; its children follow through the system job.
      expect((await stack.engine.apply('stop', root.id, { tenant: 'acme' }))?.status).toBe('STOPPED');
      await eventually(async () => (await statuses()).every((s) => s === 'STOPPED' || s === 'FINISHED'), 60_000);
      const walks = stack.events.filter((e) => e.type === 'jobCreated' && e.jobType === 'CASCADE');
      expect(walks).toHaveLength(1);

      await stack.engine.apply('resume', root.id, { tenant: 'acme' });
      await stack.runUntil(async () => (await stack.engine.get(root.id, { tenant: 'acme' })).status === 'FINISHED', 240_000);
      expect((await stack.engine.get(root.id, { tenant: 'acme' })).childrenProgress).toEqual({ finished: children, total: children });
      expect((await stack.engine.get(root.id, { tenant: 'acme' })).hasErrors).toBe(true);

      // Retry hands the walk to a third CASCADE job, whose last page writes the root: the six
      // failed leaves run again, and the root finishes again without errors.
      leavesBroken = false;
      expect((await stack.engine.apply('retry', root.id, { tenant: 'acme' }))?.status).toBe('FINISHED');
      // With the sweeper, as a deployment runs: a retried leaf that ends between the last
      // page's read of the children and its write of the root has its count refused (the root
      // is still FINISHED), and only the sweeper's recount of the parked root repairs that.
      await stack.runUntil(async () => {
        await stack.engine.sweep();
        const job = await stack.engine.get(root.id, { tenant: 'acme' });
        return job.status === 'FINISHED' && job.attempt === 2;
      }, 240_000);
      expect(await stack.engine.get(root.id, { tenant: 'acme' })).toMatchObject({
        hasErrors: false,
        childrenProgress: { finished: children, total: children },
      });
      const retried = [...(await engineInternals(stack.engine).deps.jobs.getMany(await childIds(engineInternals(stack.engine).deps, root.id))).values()].filter(
        (r) => (r.retries ?? 0) > 0,
      );
      expect(retried.map((r) => r.data.i).sort((a, b) => Number(a) - Number(b))).toEqual([7, 107, 207, 307, 407, 507]);

      // Deleting the root removes the tree, through a fourth CASCADE job (after the stop's, the
      // resume's and the retry's) that removes the root last.
      const ids = await childIds(engineInternals(stack.engine).deps, root.id);
      expect(await stack.engine.apply('delete', root.id, { tenant: 'acme' })).toBeNull();
      await stack.runUntil(async () => (await engineInternals(stack.engine).deps.jobs.get(root.id)) === undefined, 240_000);
      expect(stack.events.filter((e) => e.type === 'jobCreated' && e.jobType === 'CASCADE')).toHaveLength(4);
      expect((await engineInternals(stack.engine).deps.jobs.getMany(ids)).size).toBe(0);
      expect((await engineInternals(stack.engine).deps.jobs.queryPartition(`J#${ids[0]}`, '')).items).toEqual([]);
    } finally {
      await stack.stop();
    }
  }, 600_000);
});
