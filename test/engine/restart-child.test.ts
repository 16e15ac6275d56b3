import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { childIds } from '@stint/core/engine/job-tree';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { gate } from '../support/gate.ts';
import { engineInternals } from '@stint/core/testing';

/** Held children wait on this gate inside their one step; the test opens it. */
let held = gate();
const LEAF = defineJob<{ hold?: boolean }>({
  type: 'LEAF',
  restartable: true,
  async run(ctx) {
    await ctx.step('work', async () => {
      if (ctx.data.hold) await held.opened;
      return null;
    });
  },
});
const TREE = defineJob<{ held: number }>({
  type: 'TREE',
  restartable: true,
  async run(ctx) {
    await ctx.spawn('LEAF', {});
    for (let i = 0; i < ctx.data.held; i++) await ctx.spawn('LEAF', { hold: true });
    const outcomes = await ctx.waitForChildren();
    return { children: outcomes.length };
  },
});

const SCOPE = { tenant: 'acme' };

/**
 * Restarting a FINISHED child: its end is counted once on its parent's run, so a second end
 * must neither wake the parent early nor raise the count of a parent that already ended
 * (seen in `npm run chaos`: parents FINISHED with 3 of 2 children done).
 */
describe.each(DYNAMO_BACKENDS)('restart of a child on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [TREE, LEAF] });
  });
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const job = (id: string) => stack.engine.get(id, SCOPE);
  const children = async (id: string) => Promise.all((await childIds(engineInternals(stack.engine).deps, id)).map(job));

  it('is refused while its parent waits for its children, changing nothing', async () => {
    held = gate();
    const { job: root } = await stack.engine.submit({ type: 'TREE', tenant: 'acme', data: { held: 1 } });
    await stack.runUntil(async () => (await job(root.id)).childrenProgress.finished === 1);
    const done = (await children(root.id)).find((child) => child.status === 'FINISHED')!;
    const before = await engineInternals(stack.engine).deps.jobs.get(done.id);

    await expect(stack.engine.apply('restart', done.id, SCOPE)).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining(root.id) });
    expect(await engineInternals(stack.engine).deps.jobs.get(done.id)).toEqual(before);

    held.open();
    await stack.runUntil(async () => (await job(root.id)).status === 'FINISHED');
    expect((await job(root.id)).childrenProgress).toEqual({ finished: 2, total: 2 });
  });

  it('runs alone once its parent ended: the parent keeps its counts, version and results', async () => {
    held = gate();
    held.open();
    const { job: root } = await stack.engine.submit({ type: 'TREE', tenant: 'acme', data: { held: 1 } });
    await stack.runUntil(async () => (await job(root.id)).status === 'FINISHED');
    const parentBefore = await job(root.id);
    const [child] = await children(root.id);

    expect((await stack.engine.apply('restart', child!.id, SCOPE))?.status).toBe('PENDING');
    await stack.runUntil(async () => (await job(child!.id)).status === 'FINISHED');

    expect(await job(root.id)).toEqual(parentBefore);
    expect((await job(root.id)).childrenProgress).toEqual({ finished: 2, total: 2 });
  });
});
