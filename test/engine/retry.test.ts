import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setCrashPointHook } from '@stint/core/crash-points';
import { defineJob } from '@stint/sdk';
import { childIds } from '@stint/core/engine/job-tree';
import { childJobId } from '@stint/core/new-job';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { StepLedger, stepName } from '../support/crash-jobs.ts';
import { engineInternals } from '@stint/core/testing';
import { loggedLines } from '../support/jobs.ts';

/** Keys of the steps that throw while the test holds them broken. */
const broken = new Set<string>();
let ledger: StepLedger;

interface FlakyData {
  steps: number;
  /** The step that throws while `key` is broken. */
  failAt?: number;
  key?: string;
}

/** Each execution of each step is a ledger item, recorded before the step may throw. */
const FLAKY = defineJob<FlakyData>({
  type: 'FLAKY',
  retry: { maxAttempts: 1 },
  async run(ctx) {
    for (let i = 0; i < ctx.data.steps; i++) {
      await ctx.step(stepName(i), async () => {
        await ledger.record(ctx.job.id, stepName(i), 'worker');
        if (i === ctx.data.failAt && broken.has(ctx.data.key ?? '')) throw new Error(`${stepName(i)} is broken`);
        return i;
      });
    }
    return { steps: ctx.data.steps };
  },
});

/** Spawns its children, waits, then sums in a step that throws while `failAfter` is broken. */
const FLAKY_TREE = defineJob<{ children: FlakyData[]; failAfter?: string }>({
  type: 'FLAKY_TREE',
  retry: { maxAttempts: 1 },
  async run(ctx) {
    await ctx.step('plan', async () => ledger.record(ctx.job.id, 'plan', 'worker'));
    for (const child of ctx.data.children) await ctx.spawn('FLAKY', { ...child });
    const outcomes = await ctx.waitForChildren();
    await ctx.step('sum', async () => {
      await ledger.record(ctx.job.id, 'sum', 'worker');
      if (broken.has(ctx.data.failAfter ?? '')) throw new Error('sum is broken');
    });
    // Outside any step, so a retry computes it from the children's new outcomes.
    return { failedChildren: outcomes.filter((outcome) => outcome.hasErrors).length };
  },
});

const ONCE_ONLY = defineJob({
  type: 'ONCE_ONLY',
  retryable: false,
  retry: { maxAttempts: 1 },
  run: async () => {
    throw new Error('always');
  },
});

const SCOPE = { tenant: 'acme' };

describe.each(DYNAMO_BACKENDS)('retry on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [FLAKY, FLAKY_TREE, ONCE_ONLY] });
    ledger = new StepLedger(stack.clients.dynamo, stack.provisioned.tableName);
  });
  afterEach(() => setCrashPointHook(undefined));
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const job = (id: string) => stack.engine.get(id, SCOPE);
  /** In spawn order: a child's id is its parent's, run and position (new-job.ts). */
  const children = async (id: string) => {
    const count = (await childIds(engineInternals(stack.engine).deps, id)).length;
    return Promise.all(Array.from({ length: count }, (_, i) => job(childJobId(id, 0, i + 1))));
  };
  const ended = (id: string) => stack.runUntil(async () => ['FINISHED', 'CANCELED'].includes((await job(id)).status), 30_000);
  const logLines = async (id: string) => (await loggedLines(engineInternals(stack.engine).deps.jobs, id)).map((line) => line.message);

  it('re-runs a leaf from the step that failed, keeping its finished steps and its earlier logs', async () => {
    const key = 'leaf';
    broken.add(key);
    const { job: submitted } = await stack.engine.submit({ type: 'FLAKY', tenant: 'acme', data: { steps: 4, failAt: 2, key } });
    await ended(submitted.id);
    const failed = await job(submitted.id);
    expect(failed).toMatchObject({ status: 'FINISHED', hasErrors: true, error: 'step-0002 is broken', attempt: 1 });

    broken.delete(key);
    const retried = await stack.engine.apply('retry', submitted.id, SCOPE);
    expect(retried).toMatchObject({ id: submitted.id, status: 'PENDING', hasErrors: false, error: null, endDate: null, attempt: 2 });
    await ended(submitted.id);

    expect(await job(submitted.id)).toMatchObject({ status: 'FINISHED', hasErrors: false, error: null, attempt: 2, results: { steps: 4 } });
    // The failed step ran twice (once failing); every step that had finished, once.
    expect(await ledger.counts(submitted.id)).toEqual({ [stepName(0)]: 1, [stepName(1)]: 1, [stepName(2)]: 2, [stepName(3)]: 1 });
    const lines = await logLines(submitted.id);
    expect(lines).toContainEqual(expect.stringMatching(/^job failed: step-0002 is broken/));
    expect(lines).toContainEqual(expect.stringMatching(/^attempt 2: /));
  });

  it('re-runs only the failed children of a parent, which then finishes again with fresh results', async () => {
    const key = 'children';
    broken.add(key);
    const plan = [{ steps: 2 }, { steps: 3, failAt: 1, key }, { steps: 2 }, { steps: 2, failAt: 0, key }];
    const { job: root } = await stack.engine.submit({ type: 'FLAKY_TREE', tenant: 'acme', data: { children: plan } });
    await ended(root.id);
    expect(await job(root.id)).toMatchObject({
      status: 'FINISHED',
      hasErrors: true,
      results: { failedChildren: 2 },
      childrenProgress: { finished: 4, total: 4 },
    });
    const before = await children(root.id);
    const good = before.filter((child) => !child.hasErrors);
    expect(good).toHaveLength(2);

    broken.delete(key);
    const retried = await stack.engine.apply('retry', root.id, SCOPE);
    // The pollers run the two retried children at once: either may end again before the
    // root's write, which counts them from the children then.
    expect(retried).toMatchObject({ status: 'PENDING', attempt: 2, childrenProgress: { total: 4 } });
    expect(retried?.childrenProgress.finished).toBeGreaterThanOrEqual(2);
    await ended(root.id);

    expect(await job(root.id)).toMatchObject({
      status: 'FINISHED',
      hasErrors: false,
      attempt: 2,
      results: { failedChildren: 0 },
      childrenProgress: { finished: 4, total: 4 },
    });
    const after = await children(root.id);
    // The children that had finished well were not touched at all.
    for (const child of good) expect(after.find((c) => c.id === child.id)).toEqual(child);
    expect(after.map((child) => [child.status, child.hasErrors, child.attempt])).toEqual([
      ['FINISHED', false, 1],
      ['FINISHED', false, 2],
      ['FINISHED', false, 1],
      ['FINISHED', false, 2],
    ]);
    // No finished step ran again: the parent's steps once, each child's failed step twice.
    expect(await ledger.counts(root.id)).toEqual({ plan: 1, sum: 1 });
    const counts = await Promise.all(after.map((child) => ledger.counts(child.id)));
    expect(counts).toEqual([
      { [stepName(0)]: 1, [stepName(1)]: 1 },
      { [stepName(0)]: 1, [stepName(1)]: 2, [stepName(2)]: 1 },
      { [stepName(0)]: 1, [stepName(1)]: 1 },
      { [stepName(0)]: 2, [stepName(1)]: 1 },
    ]);
  });

  it('re-runs a parent’s own failed step when its children were fine', async () => {
    const key = 'parent';
    broken.add(key);
    const { job: root } = await stack.engine.submit({ type: 'FLAKY_TREE', tenant: 'acme', data: { children: [{ steps: 1 }, { steps: 1 }], failAfter: key } });
    await ended(root.id);
    expect(await job(root.id)).toMatchObject({ status: 'FINISHED', hasErrors: true, error: 'sum is broken' });
    const before = await children(root.id);

    broken.delete(key);
    expect(await stack.engine.apply('retry', root.id, SCOPE)).toMatchObject({ status: 'PENDING', childrenProgress: { finished: 2, total: 2 } });
    await ended(root.id);

    expect(await job(root.id)).toMatchObject({ status: 'FINISHED', hasErrors: false, error: null, attempt: 2 });
    expect(await children(root.id)).toEqual(before);
    expect(await ledger.counts(root.id)).toEqual({ plan: 1, sum: 2 });
  });

  it('counts a retried child that ends between the retry’s read of the children and the root’s write, with no sweeper', async () => {
    const key = 'race';
    broken.add(key);
    const { job: root } = await stack.engine.submit({ type: 'FLAKY_TREE', tenant: 'acme', data: { children: [{ steps: 1 }, { steps: 1, failAt: 0, key }] } });
    await ended(root.id);
    const [, failed] = await children(root.id);
    broken.delete(key);

    // The root has read its children (the failed one retried, PENDING) and not yet written:
    // the child runs to its end now, so its count on the still-FINISHED root is refused.
    let raced = false;
    setCrashPointHook(async (point, detail) => {
      if (raced || point !== 'retry.childrenRetried' || detail.jobId !== root.id) return;
      raced = true;
      await ended(failed!.id);
    });
    expect(await stack.engine.apply('retry', root.id, SCOPE)).toMatchObject({ status: 'PENDING', childrenProgress: { finished: 1, total: 2 } });
    expect(raced).toBe(true);

    // runUntil runs no sweeper: the root's own park recounts the child it could not count.
    await ended(root.id);
    expect(await job(root.id)).toMatchObject({
      status: 'FINISHED',
      hasErrors: false,
      results: { failedChildren: 0 },
      childrenProgress: { finished: 2, total: 2 },
    });
    expect(await ledger.counts(root.id)).toEqual({ plan: 1, sum: 1 });
  });

  it('refuses what it cannot retry with 409, changing nothing', async () => {
    const { job: fine } = await stack.engine.submit({ type: 'FLAKY', tenant: 'acme', data: { steps: 1 } });
    const { job: never } = await stack.engine.submit({ type: 'ONCE_ONLY', tenant: 'acme', data: {} });
    const key = 'refusals';
    broken.add(key);
    const { job: root } = await stack.engine.submit({ type: 'FLAKY_TREE', tenant: 'acme', data: { children: [{ steps: 1, failAt: 0, key }] } });
    await Promise.all([fine.id, never.id, root.id].map(ended));
    const [child] = await children(root.id);
    const unchanged = async (id: string, message: RegExp) => {
      const before = await engineInternals(stack.engine).deps.jobs.get(id);
      await expect(stack.engine.apply('retry', id, SCOPE)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(message) });
      expect(await engineInternals(stack.engine).deps.jobs.get(id)).toEqual(before);
    };

    await unchanged(fine.id, /finished without errors/);
    await unchanged(never.id, /ONCE_ONLY is not retryable/);
    // A tree's failed work is retried from its root, which the refusal names.
    await unchanged(child!.id, new RegExp(`tree of ${root.id}: retry that root job`));
    broken.delete(key);
  });
});
