import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { setCrashPointHook } from '@stint/core/crash-points';
import { encodeWorkMessage } from '@stint/core/work-queue';
import { childIds } from '@stint/core/engine/job-tree';
import { createTestStack, startEmulators, type Emulators } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { eventually, gate } from '../support/gate.ts';
import { engineInternals } from '@stint/core/testing';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DYNAMO_BACKENDS)('leases that slices release, and resumes that catch stopping children, on %s', (backend) => {
  let emulators: Emulators;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
  });
  afterAll(async () => {
    await emulators?.stop();
  });
  afterEach(() => setCrashPointHook(undefined));

  it('never lets a heartbeat revive the lease of a slice that yielded, however slow the lane writes after it', async () => {
    const long = defineJob({
      type: 'LONG',
      async run(ctx) {
        for (let i = 0; i < 6; i++) await ctx.step(`s${i}`, () => sleep(60));
      },
    });
    // Heartbeats every 100 ms; each slice yields after ~100 ms of steps.
    const stack = await createTestStack(emulators, { definitions: [long], tuning: { leaseMs: 300, sliceBudgetMs: 100 } });
    const leasesAfterYield: Array<number | undefined> = [];
    setCrashPointHook(async (point, detail) => {
      if (point !== 'slice.yielded') return;
      // Slow lane writes after the yield: several heartbeat periods pass here.
      await sleep(400);
      leasesAfterYield.push((await engineInternals(stack.engine).deps.jobs.get(detail.jobId!))?.leaseExpiresAt);
    });
    try {
      const { job } = await stack.engine.submit({ type: 'LONG', tenant: 'acme' });
      // No sweeper runs: a revived lease would make the next slice's message skip, and the
      // job would wait for its lease to expire and a sweep to resend it.
      await stack.runUntil(async () => (await stack.engine.get(job.id, { tenant: 'acme' })).status === 'FINISHED', 30_000);
      expect(leasesAfterYield.length).toBeGreaterThanOrEqual(2);
      expect(leasesAfterYield).toEqual(leasesAfterYield.map(() => undefined));
    } finally {
      await stack.stop();
    }
  });

  it('renews the lease every third of it, not at every boundary of a slow step: between renewals a read checks the fence', async () => {
    // A lease of 30 s is renewed every 10 s; four steps of 1.2 s all run within the first lease.
    const leases: Array<number | undefined> = [];
    const slow = defineJob({
      type: 'SLOW_STEPS',
      async run(ctx) {
        for (let i = 0; i < 4; i++) {
          await ctx.step(`s${i}`, async () => {
            leases.push((await engineInternals(stack.engine).deps.jobs.get(ctx.job.id))?.leaseExpiresAt);
            await sleep(1_200);
          });
        }
      },
    });
    const stack = await createTestStack(emulators, { definitions: [slow], tuning: { leaseMs: 30_000 } });
    try {
      const { job } = await stack.engine.submit({ type: 'SLOW_STEPS', tenant: 'acme' });
      await stack.runUntil(async () => (await stack.engine.get(job.id, { tenant: 'acme' })).status === 'FINISHED', 30_000);
      expect(leases).toHaveLength(4);
      expect(leases[0]).toBeGreaterThan(0);
      // The lease the slice took, unchanged at each later boundary.
      expect(leases).toEqual([leases[0], leases[0], leases[0], leases[0]]);
    } finally {
      await stack.stop();
    }
  });

  it('writes progress at most once a second, and what it held back before a park and at the end', async () => {
    // Progress as the table holds it when each step starts.
    const seen: Array<number | undefined> = [];
    const reporting = defineJob({
      type: 'REPORTING',
      async run(ctx) {
        for (let i = 0; i < 5; i++) {
          await ctx.step(`s${i}`, async () => {
            seen.push((await engineInternals(stack.engine).deps.jobs.get(ctx.job.id))?.progress);
            if (i === 2) await sleep(1_100);
          });
          ctx.progress((i + 1) * 10);
        }
        await ctx.sleep('nap', 200);
        await ctx.step('after-nap', async () => {
          seen.push((await engineInternals(stack.engine).deps.jobs.get(ctx.job.id))?.progress);
        });
      },
    });
    const stack = await createTestStack(emulators, { definitions: [reporting], tuning: { leaseMs: 30_000 } });
    try {
      const { job } = await stack.engine.submit({ type: 'REPORTING', tenant: 'acme' });
      await stack.runUntil(async () => (await stack.engine.get(job.id, { tenant: 'acme' })).status === 'FINISHED', 30_000);
      // s1 starts well within the first second: 10 is held (every boundary wrote it before).
      // s3 starts a second past any write (s2 sleeps 1.1 s): 30 is written. The sleep's boundary
      // writes the 50 held. s2 and s4 see a write or not depending on the machine's pace.
      expect(seen).toHaveLength(6);
      expect([seen[0], seen[1], seen[3], seen[5]]).toEqual([0, 0, 30, 50]);
      expect([0, 20]).toContain(seen[2]);
      expect([30, 40]).toContain(seen[4]);
      expect((await stack.engine.get(job.id, { tenant: 'acme' })).progress).toBe(100);
    } finally {
      await stack.stop();
    }
  });

  it('writes the progress it held back when the job fails or stops, not only when it yields, parks or finishes', async () => {
    const stepping = gate();
    let inSecondStep = false;
    const fails = defineJob({
      type: 'PROGRESS_THEN_FAILS',
      retry: { maxAttempts: 1 },
      async run(ctx) {
        await ctx.step('a', () => 'done');
        ctx.progress(40);
        await ctx.step('b', () => {
          throw new Error('broken record');
        });
      },
    });
    const stops = defineJob({
      type: 'PROGRESS_THEN_STOPS',
      async run(ctx) {
        await ctx.step('a', () => 'done');
        ctx.progress(30);
        await ctx.step('b', async () => {
          inSecondStep = true;
          await stepping.opened;
        });
        await ctx.step('c', () => 'done');
      },
    });
    const stack = await createTestStack(emulators, { definitions: [fails, stops], tuning: { leaseMs: 60_000 } });
    const job = (id: string) => stack.engine.get(id, { tenant: 'acme' });
    try {
      // Both end within a second of their slice's start, so nothing wrote the progress before.
      const { job: failing } = await stack.engine.submit({ type: 'PROGRESS_THEN_FAILS', tenant: 'acme' });
      await stack.runUntil(async () => (await job(failing.id)).status === 'FINISHED');
      expect(await job(failing.id)).toMatchObject({ hasErrors: true, progress: 40 });

      const { job: stopping } = await stack.engine.submit({ type: 'PROGRESS_THEN_STOPS', tenant: 'acme' });
      await stack.runUntil(async () => inSecondStep);
      await stack.engine.apply('stop', stopping.id, { tenant: 'acme' });
      stepping.open();
      await stack.runUntil(async () => (await job(stopping.id)).status === 'STOPPED');
      expect((await job(stopping.id)).progress).toBe(30);
    } finally {
      stepping.open();
      await stack.stop();
    }
  });

  it('resumes a tree whose children are still stopping: they run on, and the root finishes', async () => {
    const release = gate();
    let started = 0;
    const child = defineJob({
      type: 'HELD_CHILD',
      async run(ctx) {
        await ctx.step('held', async () => {
          started++;
          await release.opened;
        });
        await ctx.step('after', () => 'done');
      },
    });
    const parent = defineJob({
      type: 'PARENT',
      async run(ctx) {
        for (let i = 0; i < 3; i++) await ctx.spawn('HELD_CHILD', { i });
        const outcomes = await ctx.waitForChildren();
        return { children: outcomes.map((o) => o.status) };
      },
    });
    const stack = await createTestStack(emulators, { definitions: [parent, child], tuning: { maxInFlightPerRoot: 3 } });
    try {
      const { job: root } = await stack.engine.submit({ type: 'PARENT', tenant: 'acme' });
      await stack.runUntil(() => started === 3);
      expect((await stack.engine.apply('stop', root.id, { tenant: 'acme' }))?.status).toBe('STOPPED');
      const children = async () => [
        ...(await engineInternals(stack.engine).deps.jobs.getMany(await childIds(engineInternals(stack.engine).deps, root.id))).values(),
      ];
      // The children hold their workers inside a step: they are asked to stop, not stopped.
      expect((await children()).map((c) => c.status)).toEqual(['STOPPING', 'STOPPING', 'STOPPING']);

      expect((await stack.engine.apply('resume', root.id, { tenant: 'acme' }))?.status).toBe('PENDING');
      expect((await children()).map((c) => c.status)).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
      release.open();

      await stack.runUntil(async () => (await stack.engine.get(root.id, { tenant: 'acme' })).status === 'FINISHED', 30_000);
      expect((await children()).map((c) => c.status)).toEqual(['FINISHED', 'FINISHED', 'FINISHED']);
      expect((await stack.engine.get(root.id, { tenant: 'acme' })).results).toEqual({ children: ['FINISHED', 'FINISHED', 'FINISHED'] });
    } finally {
      release.open();
      await stack.stop();
    }
  });

  it('counts only lost slices that made no progress: a job whose slices die after each new step still finishes', async () => {
    const attempts = new Map<number, number>();
    let hangs = 0;
    const job = defineJob({
      type: 'DIES_AFTER_EACH_STEP',
      async run(ctx) {
        for (let i = 0; i < 5; i++) {
          await ctx.step(`s${i}`, async () => {
            const attempt = (attempts.get(i) ?? 0) + 1;
            attempts.set(i, attempt);
            // The first attempt of every step but the first never returns, as a worker that
            // dies mid-step: each slice finishes one new step, then is lost.
            if (i > 0 && attempt === 1) {
              hangs++;
              await new Promise(() => undefined);
            }
          });
        }
        return { steps: 5 };
      },
    });
    const stack = await createTestStack(emulators, { definitions: [job], tuning: { leaseMs: 60_000 } });
    try {
      const { job: submitted } = await stack.engine.submit({ type: 'DIES_AFTER_EACH_STEP', tenant: 'acme' });
      const body = encodeWorkMessage({ jobId: submitted.id, rootId: submitted.rootId, tenant: 'acme' });
      for (let lost = 0; lost < 4; lost++) {
        void stack.engine.processBatch([{ body }]);
        await eventually(() => hangs === lost + 1, 20_000);
        // The slice is lost: its lease lapses as a dead worker's would.
        await engineInternals(stack.engine).deps.jobs.tryUpdate(submitted.id, { set: { leaseExpiresAt: Date.now() - 1 } });
      }
      const { outcomes } = await stack.engine.processBatch([{ body }]);
      expect(outcomes).toEqual(['finished']);
      const finished = await stack.engine.get(submitted.id, { tenant: 'acme' });
      expect(finished).toMatchObject({ status: 'FINISHED', hasErrors: false, results: { steps: 5 } });
      expect(Object.fromEntries(attempts)).toEqual({ 0: 1, 1: 2, 2: 2, 3: 2, 4: 2 });
    } finally {
      await stack.stop();
    }
  });
});
