import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CRASH_POINTS } from '@stint/core/crash-points';
import { isEnded } from '@stint/core';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { crashHarness, expectStepsRan, type CrashCase as Case, type CrashHarness } from '../support/crash-harness.ts';
import { SCHEDULE_CASES } from './schedule-cases.ts';
import { EXPIRY_CASES } from './expiry-cases.ts';
import { CONCURRENCY_CASES } from './concurrency-cases.ts';
import { startEmulators, type Emulators } from '../support/stack.ts';
import { setSwitch } from '../support/crash-scenarios.ts';
import { engineInternals } from '@stint/core/testing';

/**
 * One test per named crash point (docs/architecture.md, "Every multi-write sequence"): a
 * separate process performs the sequence and is SIGKILLed at the point; this process then
 * works as any other worker would — polling and sweeping, touching nothing by hand — and the
 * job or tree must reach the state a user expects. The expected states are written here,
 * not computed by the code under test.
 */
const S3 = ['s0', 's1', 's2'];

async function finished(h: CrashHarness, id: string) {
  return (await h.job(id))?.status === 'FINISHED';
}

/**
 * A FAN_OUT root parked on its children, prepared by this process and left with work queued:
 * with more children than the per-root bound (4), some are still waiting when it stops.
 */
async function parkedTree(h: CrashHarness, children = 8, ms = 20) {
  const { job } = await h.stack.engine.submit({ type: 'FAN_OUT', tenant: 'acme', data: { children, childData: { steps: 2, ms } } });
  await h.stack.runUntil(async () => (await h.job(job.id))?.parked === 'waiting');
  await h.stack.stop();
  return job.id;
}

/** The tree ended whole: root and every child FINISHED, counts equal to the children there are. */
async function expectTreeFinished(h: CrashHarness, rootId: string, children: number) {
  const root = (await h.job(rootId))!;
  const kids = await h.children(rootId);
  expect(root.status).toBe('FINISHED');
  expect(kids.map((k) => k.status)).toEqual(kids.map(() => 'FINISHED'));
  expect(kids).toHaveLength(children);
  expect([root.childrenDone, root.childrenTotal]).toEqual([children, children]);
  expectStepsRan(await h.steps(rootId), ['after-children']);
}

const CASES: Case[] = [
  {
    title: 'a submit that dies after claiming its idempotency key is finished by the same key, with the same id',
    point: 'submit.keyClaimed',
    async run(h) {
      const input = { type: 'STEPS', tenant: 'acme', data: { steps: 3 }, idempotencyKey: 'k-claimed' };
      const claimed = await h.crashAt('submit.keyClaimed', { kind: 'submit', input });
      expect(await h.job(claimed!)).toBeUndefined();
      const again = await h.stack.engine.submit(input);
      expect(again).toMatchObject({ created: true, job: { id: claimed } });
      await h.recover(() => finished(h, claimed!));
      expectStepsRan(await h.steps(claimed!), S3);
    },
  },
  {
    title: 'a root written in flight whose message was never sent is sent by the sweeper',
    point: 'submit.created',
    async run(h) {
      const id = await h.crashAt('submit.created', { kind: 'submit', input: { type: 'STEPS', tenant: 'acme', data: { steps: 3 } } }, { jobType: 'STEPS' });
      expect((await h.job(id!))?.status).toBe('PENDING');
      await h.recover(() => finished(h, id!));
      expectStepsRan(await h.steps(id!), S3);
    },
  },
  {
    title: 'an idempotent re-submission sets moving a job its first submission left undispatched (no sweeper)',
    point: 'submit.created',
    async run(h) {
      const input = { type: 'STEPS', tenant: 'acme', data: { steps: 3 }, idempotencyKey: 'k-resubmit' };
      const id = await h.crashAt('submit.created', { kind: 'submit', input }, { jobType: 'STEPS' });
      // Older than the redispatch delay, so it counts as not moving.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const again = await h.stack.engine.submit(input);
      expect(again).toMatchObject({ created: false, job: { id } });
      await h.stack.runUntil(() => finished(h, id!));
      expectStepsRan(await h.steps(id!), S3);
    },
  },
  {
    title: 'a low-priority root written to its ready set after its lane was touched is dispatched',
    point: 'submit.created',
    async run(h) {
      const id = await h.crashAt(
        'submit.created',
        { kind: 'submit', input: { type: 'LOW_STEPS', tenant: 'acme', data: { steps: 3 }, lowPriority: true } },
        { jobType: 'LOW_STEPS' },
      );
      await h.recover(() => finished(h, id!));
      expectStepsRan(await h.steps(id!), S3);
    },
  },
  {
    title: 'a low-priority submit that dies after touching its lane leaves nothing stuck, and its retry runs',
    point: 'submit.laneTouched',
    async run(h) {
      const input = { type: 'LOW_STEPS', tenant: 'acme', data: { steps: 3 }, lowPriority: true, idempotencyKey: 'k-lane' };
      const id = await h.crashAt('submit.laneTouched', { kind: 'submit', input });
      expect(await h.job(id!)).toBeUndefined();
      expect((await h.stack.engine.submit(input)).job.id).toBe(id);
      await h.recover(() => finished(h, id!));
    },
  },
  ...(['submit.created', 'adopt.parentCounted', 'adopt.childReady'] as const).map(
    (point): Case => ({
      title: `a child adopted through the api, killed at ${point}, is counted once and its parent waits for it`,
      point,
      async run(h) {
        // Siblings of 2 steps of 1.5 s, 4 at a time: the recovery's first sweeps adopt the child
        // long before they end. Had they ended first, the parent would rightly refuse the child,
        // whose submission never answered (adoption.ts).
        const rootId = await parkedTree(h, 8, 1_500);
        const input = { type: 'ADOPTED_STEPS', tenant: 'acme', data: { steps: 2 }, parentId: rootId };
        const childId = await h.crashAt(point, { kind: 'submit', input }, { jobType: 'ADOPTED_STEPS' });
        await h.recover(() => finished(h, rootId));
        const root = (await h.job(rootId))!;
        expect([root.childrenDone, root.childrenTotal]).toEqual([9, 9]);
        expect((await h.job(childId!))?.status).toBe('FINISHED');
        expectStepsRan(await h.steps(childId!), ['s0', 's1']);
      },
    }),
  ),
  {
    title: 'a slice that dies after reading its job runs again from its message',
    point: 'slice.loaded',
    async run(h) {
      const { job } = await h.stack.engine.submit({ type: 'STEPS', tenant: 'acme', data: { steps: 3 } });
      await h.crashAt('slice.loaded', { kind: 'run' });
      await h.recover(() => finished(h, job.id));
      expectStepsRan(await h.steps(job.id), S3);
    },
  },
  {
    title: 'a slice that dies inside a step re-runs only that step',
    point: 'slice.stepDone',
    async run(h) {
      const { job } = await h.stack.engine.submit({ type: 'STEPS', tenant: 'acme', data: { steps: 3 } });
      await h.crashAt('slice.stepDone', { kind: 'run' }, { after: 2 });
      await h.recover(() => finished(h, job.id));
      const runs = await h.steps(job.id);
      expectStepsRan(runs, S3, 1);
      expect(runs['0#s1']).toBe(2);
    },
  },
  {
    title: 'a slice that dies after storing a checkpoint runs no finished step again',
    point: 'slice.checkpointSaved',
    async run(h) {
      const { job } = await h.stack.engine.submit({ type: 'STEPS', tenant: 'acme', data: { steps: 3 } });
      await h.crashAt('slice.checkpointSaved', { kind: 'run' }, { after: 2 });
      await h.recover(() => finished(h, job.id));
      expectStepsRan(await h.steps(job.id), S3);
    },
  },
  {
    title: 'a sleep whose worker dies after storing its wake-up time, before parking, sleeps once, until that time',
    point: 'slice.checkpointSaved',
    async run(h) {
      const { job } = await h.stack.engine.submit({ type: 'NAPPER', tenant: 'acme', data: { ms: 3_000 } });
      // The first checkpoint stored is s0's (at the sleep's boundary), the second the sleep's own.
      await h.crashAt('slice.checkpointSaved', { kind: 'run' }, { after: 2, jobType: 'NAPPER' });
      await h.recover(() => finished(h, job.id));
      expectStepsRan(await h.steps(job.id), ['s0', 's1']);
      const done = (await h.job(job.id))!;
      expect((done.results as { wokeAt: number }).wokeAt).toBeGreaterThanOrEqual(done.startDate! + 3_000);
    },
  },
  {
    title: 'a parent that dies after writing its children, before counting them, counts them on replay',
    point: 'slice.spawned',
    async run(h) {
      const { job } = await h.stack.engine.submit({ type: 'FAN_OUT', tenant: 'acme', data: { children: 3 } });
      await h.crashAt('slice.spawned', { kind: 'run' }, { jobType: 'FAN_OUT' });
      await h.recover(() => finished(h, job.id));
      await expectTreeFinished(h, job.id, 3);
    },
  },
  ...(['slice.yieldLaneTouched', 'slice.yielded'] as const).map(
    (point): Case => ({
      title: `a slice that dies while yielding (${point}) continues from its checkpoints`,
      point,
      async run(h) {
        const { job } = await h.stack.engine.submit({ type: 'STEPS', tenant: 'acme', data: { steps: 4, ms: 120 } });
        await h.crashAt(point, { kind: 'run' }, { sliceBudgetMs: 100 });
        await h.recover(() => finished(h, job.id));
        expectStepsRan(await h.steps(job.id), ['s0', 's1', 's2', 's3']);
      },
    }),
  ),
  {
    title: 'a child that ended just before its parent counted it: the parent is recounted and finishes',
    point: 'slice.ended',
    async run(h) {
      const input = { type: 'FAN_OUT', tenant: 'acme', data: { children: 2 } };
      await h.crashAt('slice.ended', { kind: 'submit', input }, { jobType: 'CHILD_STEPS' });
      const [root] = await h.roots();
      await h.recover(() => finished(h, root!));
      await expectTreeFinished(h, root!, 2);
    },
  },
  {
    title: 'a failed attempt whose retry message was never sent is retried by the sweeper',
    point: 'slice.retryScheduled',
    async run(h) {
      const { job } = await h.stack.engine.submit({ type: 'FLAKY', tenant: 'acme' });
      await h.crashAt('slice.retryScheduled', { kind: 'run' });
      await h.recover(() => finished(h, job.id));
      expect((await h.job(job.id))?.hasErrors).toBe(false);
      expect(await h.steps(job.id)).toEqual({ '0#attempt-1': 1, '0#attempt-2': 1 });
    },
  },
  {
    title: 'a parent counted by its last child but never woken is settled by the sweeper',
    point: 'child.parentCounted',
    async run(h) {
      const input = { type: 'FAN_OUT', tenant: 'acme', data: { children: 2 } };
      // The second count is the last child's: the parent is counted whole, and never woken.
      await h.crashAt('child.parentCounted', { kind: 'submit', input }, { after: 2, jobType: 'FAN_OUT' });
      const [root] = await h.roots();
      expect((await h.job(root!))?.childrenDone).toBe(2);
      await h.recover(() => finished(h, root!));
      await expectTreeFinished(h, root!, 2);
    },
  },
  {
    title: 'a job claimed for dispatch whose message was never sent is sent by the sweeper',
    point: 'dispatch.claimed',
    async run(h) {
      const input = { type: 'LOW_STEPS', tenant: 'acme', data: { steps: 2 }, lowPriority: true };
      const id = await h.crashAt('dispatch.claimed', { kind: 'submit', input }, { jobType: 'LOW_STEPS' });
      await h.recover(() => finished(h, id!));
      expectStepsRan(await h.steps(id!), ['s0', 's1']);
    },
  },
  {
    title: 'an operation that dies after reading its job changed nothing',
    point: 'operation.loaded',
    async run(h) {
      const { job } = await h.stack.engine.submit({ type: 'STEPS', tenant: 'acme', data: { steps: 2 } });
      await h.crashAt('operation.loaded', { kind: 'apply', operation: 'stop', jobId: job.id });
      await h.recover(() => finished(h, job.id));
    },
  },
  {
    title: 'a stop marked on a tree but never applied is cleared: the tree runs on',
    point: 'cascade.marked',
    async run(h) {
      const rootId = await parkedTree(h, 8, 200);
      await h.crashAt('cascade.marked', { kind: 'apply', operation: 'stop', jobId: rootId });
      await h.recover(async () => (await finished(h, rootId)) && (await h.markerOf(rootId)) === undefined);
      await expectTreeFinished(h, rootId, 8);
    },
  },
  ...(['cascade.applied', 'cascade.childrenDone'] as const).map(
    (point): Case => ({
      title: `a stop of a tree killed at ${point} reaches every child, and a resume finishes the tree`,
      point,
      async run(h) {
        const rootId = await parkedTree(h, 8, 300);
        await h.crashAt(point, { kind: 'apply', operation: 'stop', jobId: rootId }, { jobType: 'FAN_OUT' });
        await h.recover(async () => (await h.markerOf(rootId)) === undefined);
        await h.recover(async () => (await h.children(rootId)).every((c) => c.status === 'STOPPED' || c.status === 'FINISHED'));
        expect((await h.job(rootId))?.status).toBe('STOPPED');
        await h.stack.engine.apply('resume', rootId, { tenant: 'acme' });
        await h.recover(() => finished(h, rootId));
        await expectTreeFinished(h, rootId, 8);
      },
    }),
  ),
  {
    title: 'a resume of a stopped tree killed after the root moved reaches every child',
    point: 'cascade.applied',
    async run(h) {
      const rootId = await parkedTree(h, 8, 300);
      await h.stack.engine.apply('stop', rootId, { tenant: 'acme' });
      await h.crashAt('cascade.applied', { kind: 'apply', operation: 'resume', jobId: rootId }, { jobType: 'FAN_OUT' });
      await h.recover(() => finished(h, rootId));
      await expectTreeFinished(h, rootId, 8);
    },
  },
  ...(['cascade.applied', 'cascade.childrenDone', 'cascade.ended'] as const).map(
    (point): Case => ({
      title: `a cancel of a stopped tree killed at ${point} ends the tree CANCELED, no job left CANCELING`,
      point,
      async run(h) {
        const rootId = await parkedTree(h, 8, 300);
        await h.stack.engine.apply('stop', rootId, { tenant: 'acme' });
        await h.crashAt(point, { kind: 'apply', operation: 'cancel', jobId: rootId }, { jobType: 'FAN_OUT' });
        await h.recover(async () => (await h.job(rootId))?.status === 'CANCELED' && (await h.markerOf(rootId)) === undefined);
        const children = await h.children(rootId);
        expect(children.every((c) => isEnded(c.status))).toBe(true);
        expect(children.some((c) => c.status === 'CANCELED')).toBe(true);
        expect((await engineInternals(h.stack.engine).deps.checkpoints.load(rootId)).size).toBe(0);
      },
    }),
  ),
  {
    title: 'a delete killed after clearing the logs removes the job too',
    point: 'delete.partitionsCleared',
    async run(h) {
      const { job } = await h.stack.engine.submit({ type: 'STEPS', tenant: 'acme', data: { steps: 2 } });
      await h.stack.runUntil(() => finished(h, job.id));
      await h.stack.stop();
      await h.crashAt('delete.partitionsCleared', { kind: 'apply', operation: 'delete', jobId: job.id });
      await h.recover(async () => (await h.job(job.id)) === undefined && (await h.markerOf(job.id)) === undefined);
      expect((await engineInternals(h.stack.engine).deps.jobs.queryPartition(`J#${job.id}`, '')).items).toEqual([]);
    },
  },
  {
    title: 'a retry of a tree killed after its failed children were retried finishes the root’s retry: each failed step runs once more, no finished one again',
    point: 'retry.childrenRetried',
    async run(h) {
      const { dynamo } = h.stack.clients;
      const table = h.stack.provisioned.tableName;
      await setSwitch(dynamo, table, 'retry-crash', true);
      const childData = { steps: 2, ms: 20, breakAt: 1, switch: 'retry-crash' };
      const { job } = await h.stack.engine.submit({ type: 'FAN_OUT', tenant: 'acme', data: { children: 3, childType: 'BREAKABLE', childData } });
      await h.stack.runUntil(async () => (await finished(h, job.id)) && (await h.job(job.id))?.hasErrors === true);
      await h.stack.stop();
      await setSwitch(dynamo, table, 'retry-crash', false);

      await h.crashAt('retry.childrenRetried', { kind: 'apply', operation: 'retry', jobId: job.id }, { jobType: 'FAN_OUT' });
      await h.recover(async () => (await finished(h, job.id)) && (await h.job(job.id))?.hasErrors === false && (await h.markerOf(job.id)) === undefined);

      const root = (await h.job(job.id))!;
      expect([root.retries, root.childrenDone, root.childrenTotal]).toEqual([1, 3, 3]);
      const children = await h.children(job.id);
      // Retried once each: the redo did not retry again what the killed request had retried.
      expect(children.map((c) => [c.status, c.hasErrors, c.retries])).toEqual(children.map(() => ['FINISHED', false, 1]));
      // The step that had finished never ran again; the failed one ran once more — twice more
      // only when the killed process (which also polls for work) was running it at the kill.
      for (const child of children) {
        const runs = await h.steps(child.id);
        expect(runs['0#s0']).toBe(1);
        expect([2, 3]).toContain(runs['0#s1']);
      }
      expect(await h.steps(job.id)).toEqual({ '0#after-children': 1 });
    },
  },
  {
    title: 'a submit killed before flushing its counter deltas: the cards are re-derived from the jobs once the tenant is quiet',
    point: 'counters.beforeFlush',
    async run(h) {
      await h.crashAt('counters.beforeFlush', { kind: 'submit', input: { type: 'STEPS', tenant: 'acme', data: { steps: 2 } } });
      const [id] = await h.roots();
      // The job's creation was never counted; its end is counted here, so until the reconcile
      // the cards read active −1, completed 1, total 0.
      await h.recover(async () => (await finished(h, id!)) && (await h.summary()).total === 1);
      expect(await h.summary()).toEqual({ total: 1, active: 0, completed: 1, failed: 0, canceled: 0 });
    },
  },
  ...SCHEDULE_CASES,
  ...CONCURRENCY_CASES,
  ...EXPIRY_CASES,
];

describe.each(DYNAMO_BACKENDS)('crash points on %s', (backend) => {
  let emulators: Emulators;
  let harness: CrashHarness | undefined;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
  });
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });
  afterAll(async () => {
    await emulators?.stop();
  });

  it.each(CASES.map((c) => [c.point, c.title, c] as const))(
    '%s: %s',
    async (_point, _title, testCase) => {
      harness = await crashHarness(emulators, { schedules: testCase.schedules ?? false });
      await testCase.run(harness);
    },
    120_000,
  );
});

describe('the crash-point table', () => {
  it('has a test for every named point', () => {
    const tested = new Set(CASES.map((c) => c.point));
    const untested = CRASH_POINTS.filter((point) => !tested.has(point));
    expect(untested).toEqual([]);
  });
});
