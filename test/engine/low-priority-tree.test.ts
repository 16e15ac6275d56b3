import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { childIds } from '@stint/core/engine/job-tree';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { gate } from '../support/gate.ts';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { engineInternals } from '@stint/core/testing';

/** Low priority covers a tree's unfinished members, set and removed, and new children inherit it. */
let held = gate();
const jobs = [
  defineJob<{ children: number }>({
    type: 'TREE',
    async run(ctx) {
      for (let i = 0; i < ctx.data.children; i++) await ctx.spawn('HELD', {});
      await ctx.waitForChildren();
    },
  }),
  defineJob({ type: 'HELD', run: async (ctx) => void (await ctx.step('held', () => held.opened)) }),
];

describe.each(DYNAMO_BACKENDS)('low priority over a tree on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    // One child at a time: the others wait in their root's ready set. The sweeper runs too, as in
    // a deployment: on a loaded machine a work message can come late, and the sweeper resends it.
    stack = await createTestStack(emulators, { definitions: jobs, tuning: { maxInFlightPerRoot: 1 }, redispatchAfterMs: 2_000 });
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  it('moves the unfinished subtree with its root, both ways, and gives new children the root’s flag', async () => {
    held = gate();
    const tenant = 'acme';
    const { job } = await stack.engine.submit({ type: 'TREE', tenant, data: { children: 3 } });
    await stack.runUntil(async () => (await engineInternals(stack.engine).deps.jobs.get(job.id))?.parked === 'waiting');
    const flags = async () =>
      [...(await engineInternals(stack.engine).deps.jobs.getMany(await childIds(engineInternals(stack.engine).deps, job.id))).values()].map(
        (c) => c.lowPriority,
      );

    expect((await stack.engine.apply('set-low-priority', job.id, { tenant }))?.lowPriority).toBe(true);
    expect(await flags()).toEqual([true, true, true]);
    const adopted = (await stack.engine.submit({ type: 'HELD', tenant, parentId: job.id })).job;
    await stack.runUntil(async () => !(await engineInternals(stack.engine).deps.jobs.get(adopted.id))?.adopting);
    expect((await engineInternals(stack.engine).deps.jobs.get(adopted.id))?.lowPriority).toBe(true);

    expect((await stack.engine.apply('remove-low-priority', job.id, { tenant }))?.lowPriority).toBe(false);
    expect(await flags()).toEqual([false, false, false, false]);

    held.open();
    await stack
      .runUntil(async () => {
        await stack.engine.sweep();
        return (await engineInternals(stack.engine).deps.jobs.get(job.id))?.status === 'FINISHED';
      }, 20_000)
      .catch(async (e) => {
        const all = [job.id, ...(await childIds(engineInternals(stack.engine).deps, job.id))];
        for (const r of (await engineInternals(stack.engine).deps.jobs.getMany(all)).values())
          console.log(
            JSON.stringify({
              id: r.id,
              s: r.status,
              lp: r.lowPriority,
              g5: r.gsi5pk,
              p: r.parked,
              ct: r.childrenTotal,
              cd: r.childrenDone,
              lease: r.leaseExpiresAt,
            }),
          );
        console.log(JSON.stringify(await engineInternals(stack.engine).deps.jobs.queryPartition(`F#${job.id}`, '')));
        throw e;
      });
  });
});
