import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { setCrashPointHook } from '@stint/core/crash-points';
import { reconcileSome, recountWhileStopped } from '@stint/core/counter-reconcile';
import { readSummary, summaryListings } from '@stint/core/query/stats-reader';
import { summaryKey } from '@stint/core/store/table-keys';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';
import { engineInternals } from '@stint/core/testing';

/**
 * The summary cards re-derived from the job items (packages/core/src/counter-reconcile.ts),
 * under a clock the test moves: deltas lost to a failed flush are corrected in two quiet
 * visits a settle period apart, never in one, and never while deltas are still landing.
 */
const SETTLE_MS = 60_000;
const ROOTS = { system: false, child: false };
const CHILDREN = { system: false, child: true };

const jobs = [
  defineJob({ type: 'OK', run: async (ctx) => void (await ctx.step('one', () => 1)) }),
  defineJob({ type: 'ERRS', run: async (ctx) => void ctx.log.error('a record was refused') }),
  defineJob({
    type: 'PARENT',
    async run(ctx) {
      await ctx.spawn('OK', {});
      await ctx.spawn('OK', {});
      await ctx.waitForChildren();
    },
  }),
];

describe.each(DYNAMO_BACKENDS)('counter reconcile on %s', (backend) => {
  let emulators: Emulators;
  let stack: TestStack;
  let offset = 0;
  /** While set, every counter batch fails at its flush, as if its process died there. */
  let losing = false;

  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
  });
  afterEach(async () => {
    setCrashPointHook(undefined);
    await stack?.stop();
  });
  afterAll(async () => {
    await emulators?.stop();
  });

  async function start() {
    offset = 0;
    losing = false;
    stack = await createTestStack(emulators, { definitions: jobs, clock: () => Date.now() + offset, counterSettleMs: SETTLE_MS });
    setCrashPointHook(async (point) => {
      if (point === 'counters.beforeFlush' && losing) throw new Error('the batch died before its flush');
    });
  }

  /** Submits jobs normally, then runs them to the end with every later delta lost. */
  async function runLosingDeltas(tenant: string, types: string[]) {
    const ids: string[] = [];
    for (const type of types) ids.push((await stack.engine.submit({ type, tenant })).job.id);
    losing = true;
    await stack.runUntil(async () => {
      for (const id of ids) if ((await stack.engine.get(id, { tenant })).status !== 'FINISHED') return false;
      return true;
    }, 30_000);
    // Batches still under way lose their deltas too: the failure ends with them.
    await stack.poller.stop();
    losing = false;
    stack.poller.start();
  }

  const sweep = async () => (await stack.engine.sweep()).countersCorrected;
  /** Shard 0 of a tenant's root cards, which keeps the reconcile state ({} before any write). */
  const summaryItem = async (tenant: string) => (await engineInternals(stack.engine).deps.jobs.getItem(summaryKey(tenant, ROOTS, 0))) ?? {};

  it('corrects cards whose deltas were lost only on a second quiet visit a settle period after the first', async () => {
    await start();
    await runLosingDeltas('acme', ['OK', 'OK', 'ERRS', 'PARENT']);
    // Creations landed; every end and both children's creations were lost.
    expect(await readSummary(engineInternals(stack.engine).deps.jobs, 'acme')).toEqual({ total: 4, active: 4, completed: 0, failed: 0, canceled: 0 });

    offset += SETTLE_MS + 1;
    expect(await sweep()).toBe(0);
    expect(await sweep()).toBe(0); // the candidate is still younger than the settle period
    expect((await readSummary(engineInternals(stack.engine).deps.jobs, 'acme')).active).toBe(4);

    offset += SETTLE_MS;
    expect(await sweep()).toBe(2); // root jobs and their children
    expect(await readSummary(engineInternals(stack.engine).deps.jobs, 'acme')).toEqual({ total: 4, active: 0, completed: 3, failed: 1, canceled: 0 });
    expect(await readSummary(engineInternals(stack.engine).deps.jobs, 'acme', [CHILDREN])).toEqual({
      total: 2,
      active: 0,
      completed: 2,
      failed: 0,
      canceled: 0,
    });
    expect((await readSummary(engineInternals(stack.engine).deps.jobs, 'acme', summaryListings({ children: true }))).total).toBe(6);

    offset += 2 * SETTLE_MS;
    expect(await sweep()).toBe(0);
  });

  it('leaves a listing alone while its deltas are landing, and corrects it once they stop', async () => {
    await start();
    await runLosingDeltas('acme', ['OK', 'OK']);
    // A delta that landed within the settle period: not even counted.
    await stack.engine.submit({ type: 'OK', tenant: 'acme' });
    expect(await sweep()).toBe(0);
    expect(await summaryItem('acme')).not.toHaveProperty('candidate');

    offset += SETTLE_MS + 1;
    expect(await sweep()).toBe(0);
    expect(await summaryItem('acme')).toHaveProperty('candidate');
    // Another job lands its deltas between the visits: the candidate no longer holds.
    const { job } = await stack.engine.submit({ type: 'OK', tenant: 'acme' });
    await stack.runUntil(async () => (await stack.engine.get(job.id, { tenant: 'acme' })).status === 'FINISHED', 30_000);
    offset += SETTLE_MS + 1;
    expect(await sweep()).toBe(0);

    offset += SETTLE_MS + 1;
    expect(await sweep()).toBe(1);
    expect(await readSummary(engineInternals(stack.engine).deps.jobs, 'acme')).toEqual({ total: 4, active: 0, completed: 4, failed: 0, canceled: 0 });
  });

  it('walks the tenant directory a page per sweep, so every tenant is visited in turn', async () => {
    await start();
    const tenants = ['t-a', 't-b', 't-c'];
    // Each tenant's cards say one job that does not exist (a delta whose job write was lost).
    for (const tenant of tenants) {
      await engineInternals(stack.engine).deps.tenants.remember(tenant);
      await engineInternals(stack.engine).deps.counters.applySummary(tenant, ROOTS, { total: 1, active: 1 }, 0);
    }
    const { jobs: store, tenants: directory } = engineInternals(stack.engine).deps;
    const visit = (now: number) => reconcileSome(store, directory, now, SETTLE_MS, 2);
    const t = Date.now() + SETTLE_MS + 1;
    expect(await visit(t)).toEqual({ corrected: 0, pending: 2 });
    expect(await visit(t)).toEqual({ corrected: 0, pending: 1 });
    expect(await visit(t + SETTLE_MS)).toEqual({ corrected: 2, pending: 0 });
    expect(await visit(t + SETTLE_MS)).toEqual({ corrected: 1, pending: 0 });
    for (const tenant of tenants) expect((await readSummary(store, tenant)).total).toBe(0);
  });

  it('adds a tenant’s cards up over its counter shards, and corrects them on shard 0 only, leaving the other shards as they are', async () => {
    await start();
    const { jobs: store, tenants: directory, counters } = engineInternals(stack.engine).deps;
    const tenant = 'sharded';
    await directory.remember(tenant);
    // Deltas of jobs that do not exist, spread as flushes spread them (one shard each).
    await counters.applySummary(tenant, ROOTS, { total: 2, active: 2 }, 3);
    await counters.applySummary(tenant, ROOTS, { total: 1, completed: 1 }, 5);
    await counters.applySummary(tenant, ROOTS, { active: -1, completed: 1 }, 7);
    expect(await readSummary(store, tenant)).toEqual({ total: 3, active: 1, completed: 2, failed: 0, canceled: 0 });

    const t = Date.now() + SETTLE_MS + 1;
    expect(await reconcileSome(store, directory, t, SETTLE_MS, 1_000)).toMatchObject({ corrected: 0 });
    expect(await reconcileSome(store, directory, t + SETTLE_MS, SETTLE_MS, 1_000)).toMatchObject({ corrected: 1 });
    expect(await readSummary(store, tenant)).toEqual({ total: 0, active: 0, completed: 0, failed: 0, canceled: 0 });
    const shard = async (n: number) => store.getItem(summaryKey(tenant, ROOTS, n));
    expect(await shard(0)).toMatchObject({ total: -3, active: -1, completed: -2 });
    expect(await shard(3)).toMatchObject({ total: 2, active: 2 });
    expect(await shard(7)).toMatchObject({ active: -1, completed: 1 });
    // Reconciled at the shards' summed version: the next visit counts nothing.
    expect(await reconcileSome(store, directory, t + 2 * SETTLE_MS, SETTLE_MS, 1_000)).toEqual({ corrected: 0, pending: 0 });
  });

  it('recounts every tenant at once when no process is writing (a local start after an unclean stop)', async () => {
    await start();
    await runLosingDeltas('acme', ['OK', 'ERRS']);
    await stack.poller.stop();
    expect(await recountWhileStopped(engineInternals(stack.engine).deps.jobs, engineInternals(stack.engine).deps.tenants)).toBe(1);
    expect(await readSummary(engineInternals(stack.engine).deps.jobs, 'acme')).toEqual({ total: 2, active: 0, completed: 1, failed: 1, canceled: 0 });
    expect(await recountWhileStopped(engineInternals(stack.engine).deps.jobs, engineInternals(stack.engine).deps.tenants)).toBe(0);
  });
});
