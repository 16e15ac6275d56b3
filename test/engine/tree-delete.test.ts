import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { readSummary, summaryListings } from '@stint/core/query/stats-reader';
import { isEnded } from '@stint/core';
import { childIds } from '@stint/core/engine/job-tree';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { gate } from '../support/gate.ts';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { engineInternals } from '@stint/core/testing';

/** A tree is removed whole (packages/core/src/engine/tree-delete.ts). */
let held = gate();
const jobs = [
  defineJob<{ children: number; grandchildren?: number; hold?: boolean; holdFirstChild?: boolean }>({
    type: 'NODE',
    async run(ctx) {
      await ctx.step('work', async () => {
        ctx.log.info('working');
        if (ctx.data.hold) await held.opened;
      });
      for (let i = 0; i < ctx.data.children; i++)
        await ctx.spawn('NODE', { children: ctx.data.grandchildren ?? 0, hold: Boolean(ctx.data.holdFirstChild) && i === 0 });
      if (ctx.data.children > 0) await ctx.waitForChildren();
    },
  }),
];

describe.each(DYNAMO_BACKENDS)('deleting a tree on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: jobs });
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const status = async (id: string) => (await engineInternals(stack.engine).deps.jobs.get(id))?.status;
  const tree = async (rootId: string): Promise<string[]> => {
    const ids = [rootId];
    for (let i = 0; i < ids.length; i++) ids.push(...(await childIds(engineInternals(stack.engine).deps, ids[i]!)));
    return ids;
  };

  it('removes every descendant of an ended root, with its logs, checkpoints, lane items and counts', async () => {
    const tenant = 'whole';
    const { job } = await stack.engine.submit({ type: 'NODE', tenant, data: { children: 2, grandchildren: 1 } });
    await stack.runUntil(async () => (await status(job.id)) === 'FINISHED');
    const ids = await tree(job.id);
    expect(ids).toHaveLength(5);
    const all = () => readSummary(engineInternals(stack.engine).deps.jobs, tenant, summaryListings({ children: true }));
    await stack.runUntil(async () => (await all()).completed === 5);
    const lanes = () => engineInternals(stack.engine).deps.jobs.queryPartition(`F#${job.id}`, '');
    expect((await lanes()).items.map((item) => item.sk)).toEqual(['L#normal']);

    expect(await stack.engine.apply('delete', job.id, { tenant })).toBeNull();
    expect((await lanes()).items).toEqual([]);
    expect((await engineInternals(stack.engine).deps.jobs.getMany(ids)).size).toBe(0);
    for (const id of ids) expect((await engineInternals(stack.engine).deps.jobs.queryPartition(`J#${id}`, '')).items).toEqual([]);
    expect(await all()).toEqual({ total: 0, active: 0, completed: 0, failed: 0, canceled: 0 });
  });

  it('refuses to delete a child on its own with 409 naming its root, and changes nothing', async () => {
    const tenant = 'child-alone';
    const { job } = await stack.engine.submit({ type: 'NODE', tenant, data: { children: 1 } });
    await stack.runUntil(async () => (await status(job.id)) === 'FINISHED');
    const [child] = await childIds(engineInternals(stack.engine).deps, job.id);
    await expect(stack.engine.apply('delete', child!, { tenant })).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining(job.id) });
    expect(await status(child!)).toBe('FINISHED');
    expect((await engineInternals(stack.engine).deps.jobs.queryPartition(`J#${child}`, 'L#')).items).toHaveLength(1);
  });

  it('refuses a tree with a member still ending, naming it, and removes it once that member has ended', async () => {
    const tenant = 'canceled-tree';
    held = gate();
    const { job } = await stack.engine.submit({ type: 'NODE', tenant, data: { children: 2, holdFirstChild: true } });
    await stack.runUntil(async () => (await childIds(engineInternals(stack.engine).deps, job.id)).length === 2);
    const children = await childIds(engineInternals(stack.engine).deps, job.id);
    const first = [...(await engineInternals(stack.engine).deps.jobs.getMany(children)).values()].find((c) => c.data.hold)!.id;
    await stack.runUntil(async () => (await status(first)) === 'RUNNING');
    // The root's slice parks after its children are dispatched: a child can run before it has.
    await stack.runUntil(async () => (await engineInternals(stack.engine).deps.jobs.get(job.id))?.parked === 'waiting');
    // The held child is working: it is asked to cancel and ends at its next step; the root ends now.
    await stack.engine.apply('stop', job.id, { tenant });
    await stack.engine.apply('cancel', job.id, { tenant });
    expect(await status(job.id)).toBe('CANCELED');
    expect(await status(first)).toBe('STOPPING');
    const refused = await stack.engine.apply('delete', job.id, { tenant }).catch((error: unknown) => error);
    // It names a member that has not ended: the held child, or its sibling if that was still working too.
    expect(refused).toMatchObject({ code: 'conflict', details: { unfinishedId: expect.any(String) } });
    const named = (refused as { details: { unfinishedId: string } }).details.unfinishedId;
    expect(children).toContain(named);
    expect(isEnded((await engineInternals(stack.engine).deps.jobs.get(named))!.status)).toBe(false);
    expect((refused as Error).message).toContain(named);
    expect(await status(job.id)).toBe('CANCELED');

    held.open();
    // Its work done, the child ends as its run did (a cancel asked of a working job takes
    // effect at its next step, and it had none left).
    await stack.runUntil(async () => {
      for (const child of (await engineInternals(stack.engine).deps.jobs.getMany(children)).values()) if (!isEnded(child.status)) return false;
      return true;
    });
    const ids = await tree(job.id);
    expect(await stack.engine.apply('delete', job.id, { tenant })).toBeNull();
    expect((await engineInternals(stack.engine).deps.jobs.getMany(ids)).size).toBe(0);
  });
});
