import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { JobStatus, Operation } from '@stint/core';
import { setCrashPointHook, type CrashPoint } from '@stint/core/crash-points';
import type { JobRecord } from '@stint/core/job-record';
import { finishOrPark, stopHeld } from '@stint/core/engine/slice-outcomes';
import { childIds } from '@stint/core/engine/job-tree';
import { leaseOf } from '@stint/core/engine/transitions';
import { statusPartitions, listingOf } from '@stint/core/store/table-keys';
import { encodeWorkMessage } from '@stint/core/work-queue';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { placeJob } from '../support/jobs.ts';
import { gate } from '../support/gate.ts';
import { engineInternals } from '@stint/core/testing';

/**
 * Raced writes: writer A reads a job, writer B commits a change, then A writes. A crash-point
 * hook holds A between its read and its write (crash-points.ts) while B runs to the end.
 * Exactly one of them may win; the loser answers 409 (or 404 when B removed the job) or does
 * nothing; and the item never holds an impossible combination. Every expected outcome is in
 * the tables below.
 */
let runs = 0;
const QUICK = defineJob({ type: 'QUICK', restartable: true, run: async (ctx) => void (await ctx.step('only', () => void runs++)) });

type Writer = 'stop' | 'resume' | 'cancel' | 'delete' | 'restart' | 'force-stop' | 'worker finishes' | 'worker stops' | 'worker runs it';

interface OperationRace {
  a: Operation;
  from: JobStatus;
  lowPriority?: boolean;
  b: Writer;
  aGets: 'ok' | 'conflict' | 'notFound';
  final: JobStatus | 'gone';
  lowAfter?: boolean;
}

const OPERATION_RACES: OperationRace[] = [
  { a: 'stop', from: 'PENDING', b: 'worker runs it', aGets: 'conflict', final: 'FINISHED' },
  { a: 'stop', from: 'RUNNING', b: 'worker finishes', aGets: 'conflict', final: 'FINISHED' },
  { a: 'stop', from: 'PENDING', b: 'stop', aGets: 'conflict', final: 'STOPPED' },
  { a: 'resume', from: 'STOPPED', b: 'cancel', aGets: 'conflict', final: 'CANCELED' },
  { a: 'resume', from: 'STOPPED', b: 'resume', aGets: 'conflict', final: 'PENDING' },
  { a: 'cancel', from: 'STOPPED', b: 'resume', aGets: 'conflict', final: 'PENDING' },
  { a: 'cancel', from: 'STOPPED', b: 'cancel', aGets: 'conflict', final: 'CANCELED' },
  { a: 'force-stop', from: 'STOPPING', b: 'worker stops', aGets: 'conflict', final: 'STOPPED' },
  { a: 'force-stop', from: 'STOPPING', b: 'force-stop', aGets: 'conflict', final: 'STOPPED' },
  { a: 'restart', from: 'FINISHED', b: 'delete', aGets: 'notFound', final: 'gone' },
  { a: 'restart', from: 'FINISHED', b: 'restart', aGets: 'conflict', final: 'PENDING' },
  { a: 'delete', from: 'FINISHED', b: 'restart', aGets: 'conflict', final: 'PENDING' },
  { a: 'delete', from: 'CANCELED', b: 'delete', aGets: 'notFound', final: 'gone' },
  { a: 'set-low-priority', from: 'PENDING', b: 'stop', aGets: 'ok', final: 'STOPPED', lowAfter: true },
  { a: 'set-low-priority', from: 'STOPPED', b: 'cancel', aGets: 'conflict', final: 'CANCELED', lowAfter: false },
  { a: 'remove-low-priority', from: 'STOPPED', lowPriority: true, b: 'resume', aGets: 'ok', final: 'PENDING', lowAfter: false },
];

/** What no job may ever look like, whatever raced. */
function expectPossible(record: JobRecord) {
  expect(statusPartitions(record.tenant, listingOf(record), record.status)).toContain(record.gsi2pk);
  if (record.status === 'FINISHED' || record.status === 'CANCELED') {
    expect(record.gsi5pk).toBeUndefined();
    expect(record.endDate).toBeDefined();
  }
  if (record.status !== 'RUNNING' && record.status !== 'STOPPING') expect(record.leaseOwner).toBeUndefined();
  if (record.status === 'PENDING') expect(record.endDate).toBeUndefined();
}

/** Holds the first hit of `point` for `jobId` until `writer` has committed. */
function holdAt(point: CrashPoint, jobId: string, writer: () => Promise<unknown>) {
  let held = false;
  setCrashPointHook(async (reached, detail) => {
    if (held || reached !== point || detail.jobId !== jobId) return;
    held = true;
    await writer();
  });
  return () => held;
}

describe.each(DYNAMO_BACKENDS)('raced writes on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, { definitions: [QUICK], tuning: { leaseMs: 60_000 } });
  });
  afterEach(() => setCrashPointHook(undefined));
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const ctx = () => ({
    deps: engineInternals(stack.engine).deps,
    dispatcher: engineInternals(stack.engine).dispatcher,
    counters: engineInternals(stack.engine).deps.counters.batch(),
  });

  async function write(b: Writer, id: string) {
    const record = (await engineInternals(stack.engine).deps.jobs.get(id))!;
    switch (b) {
      case 'worker finishes':
        return finishOrPark(ctx(), record, leaseOf(record), {});
      case 'worker stops':
        return stopHeld(ctx(), record, leaseOf(record), null);
      case 'worker runs it':
        return stack.engine.processBatch([{ body: encodeWorkMessage({ jobId: id, rootId: id, tenant: 'acme' }) }]);
      default:
        return stack.engine.apply(b, id, { allTenants: true });
    }
  }

  it.each(OPERATION_RACES)('$a from $from, $b committing in between: A gets $aGets, the job ends $final', async (race) => {
    const placed = await placeJob(engineInternals(stack.engine).deps.jobs, {
      type: 'QUICK',
      status: race.from,
      leased: race.from === 'RUNNING' || race.from === 'STOPPING',
      lowPriority: race.lowPriority ?? false,
    });
    const held = holdAt('operation.loaded', placed.id, () => write(race.b, placed.id));

    const attempt = stack.engine.apply(race.a, placed.id, { tenant: 'acme' });
    if (race.aGets === 'ok') await attempt;
    else await expect(attempt).rejects.toMatchObject({ code: race.aGets });

    expect(held()).toBe(true);
    const after = await engineInternals(stack.engine).deps.jobs.get(placed.id);
    if (race.final === 'gone') {
      expect(after).toBeUndefined();
      return;
    }
    expect(after?.status).toBe(race.final);
    expectPossible(after!);
    if (race.lowAfter !== undefined) expect(after?.lowPriority).toBe(race.lowAfter);
  });

  it('two deliveries of one message: the one that read first loses the lease to the other and does nothing', async () => {
    runs = 0;
    const { job } = await stack.engine.submit({ type: 'QUICK', tenant: 'acme' });
    const body = encodeWorkMessage({ jobId: job.id, rootId: job.id, tenant: 'acme' });
    let other: Awaited<ReturnType<TestStack['engine']['processBatch']>> | undefined;
    const held = holdAt('slice.loaded', job.id, async () => {
      setCrashPointHook(undefined);
      other = await stack.engine.processBatch([{ body }]);
    });
    const first = await stack.engine.processBatch([{ body }]);
    expect(held()).toBe(true);
    expect([first.outcomes, other?.outcomes]).toEqual([['skipped'], ['finished']]);
    expect(runs).toBe(1);
    expectPossible((await engineInternals(stack.engine).deps.jobs.get(job.id))!);
  });

  it('a stop that lands between a slice’s read and its lease: the slice does nothing, the job stays STOPPED', async () => {
    runs = 0;
    const { job } = await stack.engine.submit({ type: 'QUICK', tenant: 'acme' });
    holdAt('slice.loaded', job.id, () => stack.engine.apply('stop', job.id, { tenant: 'acme' }));
    const { outcomes } = await stack.engine.processBatch([{ body: encodeWorkMessage({ jobId: job.id, rootId: job.id, tenant: 'acme' }) }]);
    expect(outcomes).toEqual(['skipped']);
    expect(runs).toBe(0);
    const after = (await engineInternals(stack.engine).deps.jobs.get(job.id))!;
    expect(after.status).toBe('STOPPED');
    expectPossible(after);
  });

  it('a force stop between a step and the slice’s next write: the slice loses its lease, its writes are refused', async () => {
    const inStep = gate();
    const slow = defineJob({
      type: 'SLOW_RACE',
      stoppable: false,
      async run(ctx) {
        await ctx.step('one', () => inStep.open());
        await ctx.step('two', () => 'never stored');
        return { late: true };
      },
    });
    engineInternals(stack.engine).deps.registry.register(slow);
    const { job } = await stack.engine.submit({ type: 'SLOW_RACE', tenant: 'acme' });
    holdAt('slice.stepDone', job.id, async () => {
      await stack.engine.apply('stop', job.id, { tenant: 'acme' });
      await stack.engine.apply('force-stop', job.id, { tenant: 'acme' });
    });
    const { outcomes } = await stack.engine.processBatch([{ body: encodeWorkMessage({ jobId: job.id, rootId: job.id, tenant: 'acme' }) }]);
    expect(outcomes).toEqual(['leaseLost']);
    const after = (await engineInternals(stack.engine).deps.jobs.get(job.id))!;
    expect(after.status).toBe('STOPPED');
    expect(after.results).toBeUndefined();
    expect((await engineInternals(stack.engine).deps.checkpoints.load(job.id)).size).toBe(0);
    expectPossible(after);
  });

  it('two children ending at once: both are counted and the parent finishes exactly once', async () => {
    const parent = defineJob({
      type: 'PAIR',
      async run(ctx) {
        await ctx.spawn('QUICK', {});
        await ctx.spawn('QUICK', {});
        await ctx.waitForChildren();
      },
    });
    engineInternals(stack.engine).deps.registry.register(parent);
    const { job } = await stack.engine.submit({ type: 'PAIR', tenant: 'acme' });
    await stack.runUntil(async () => (await engineInternals(stack.engine).deps.jobs.get(job.id))?.parked === 'waiting');
    await stack.stop();
    const kids = await childIds(engineInternals(stack.engine).deps, job.id);
    const bodies = kids.map((id) => encodeWorkMessage({ jobId: id, rootId: job.id, tenant: 'acme' }));
    const endedBefore = stack.events.filter((e) => e.type === 'jobEnded' && e.jobId === job.id).length;
    // The first child is held after counting itself, before settling the parent, while the
    // second ends, counts itself and settles.
    let second: Promise<unknown> | undefined;
    setCrashPointHook(async (point, detail) => {
      if (point !== 'child.parentCounted' || detail.jobId !== job.id || second) return;
      second = stack.engine.processBatch([{ body: bodies[1]! }]);
      await second;
    });
    await stack.engine.processBatch([{ body: bodies[0]! }]);
    await second;
    // The parent woke once (its own run finishes it afterwards).
    await stack.runUntil(async () => (await engineInternals(stack.engine).deps.jobs.get(job.id))?.status === 'FINISHED');
    const after = (await engineInternals(stack.engine).deps.jobs.get(job.id))!;
    expect([after.childrenDone, after.childrenTotal]).toEqual([2, 2]);
    expect(stack.events.filter((e) => e.type === 'jobEnded' && e.jobId === job.id).length - endedBefore).toBe(1);
    expectPossible(after);
  });
});
