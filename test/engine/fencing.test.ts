import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '@stint/sdk';
import { encodeWorkMessage } from '@stint/core/work-queue';
import { createTestStack, startEmulators, type Emulators } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { eventually, gate } from '../support/gate.ts';
import { countedStepsJob, StepLedger, stepName } from '../support/crash-jobs.ts';
import { engineInternals } from '@stint/core/testing';
import { loggedLines } from '../support/jobs.ts';

describe.each(DYNAMO_BACKENDS)('leases and fencing on %s', (backend) => {
  let emulators: Emulators;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
  });
  afterAll(async () => {
    await emulators?.stop();
  });

  it('runs each step once when the same slice message is delivered twice at once, and again later', async () => {
    const stack = await createTestStack(emulators, { definitions: [] });
    const ledger = new StepLedger(stack.clients.dynamo, stack.config.tableName);
    engineInternals(stack.engine).deps.registry.register(countedStepsJob(ledger, 'worker'));
    const { job: submitted } = await stack.engine.submit({ type: 'COUNTED_STEPS', tenant: 'acme', data: { steps: 3, ms: 30 } });
    const body = encodeWorkMessage({ jobId: submitted.id, rootId: submitted.rootId, tenant: 'acme' });

    // The same message twice in one batch, processed concurrently, as SQS may deliver it.
    const { outcomes } = await stack.engine.processBatch([{ body }, { body }]);
    // And once more after the job finished: a redelivery that arrives late.
    const late = await stack.engine.processBatch([{ body }]);

    expect([...outcomes].sort()).toEqual(['finished', 'skipped']);
    expect(late.outcomes).toEqual(['skipped']);
    expect(await ledger.counts(submitted.id)).toEqual({ [stepName(0)]: 1, [stepName(1)]: 1, [stepName(2)]: 1 });
    expect((await stack.engine.get(submitted.id, { tenant: 'acme' })).status).toBe('FINISHED');
  });

  it('rejects a slow worker’s late writes after a force stop; on resume only its step in flight runs again', async () => {
    const inside = gate();
    const release = gate();
    const stack = await createTestStack(emulators, { definitions: [] });
    const ledger = new StepLedger(stack.clients.dynamo, stack.config.tableName);
    const job = defineJob({
      type: 'SLOW',
      stoppable: false,
      async run(ctx) {
        await ctx.step('before', () => ledger.record(ctx.job.id, 'before', 'worker'));
        await ctx.step('slow', async () => {
          await ledger.record(ctx.job.id, 'slow', 'worker');
          inside.open();
          await release.opened;
        });
        ctx.progress(80);
        await ctx.step('after', () => ledger.record(ctx.job.id, 'after', 'worker'));
        return { late: true };
      },
    });
    engineInternals(stack.engine).deps.registry.register(job);
    const { job: submitted } = await stack.engine.submit({ type: 'SLOW', tenant: 'acme' });
    const body = encodeWorkMessage({ jobId: submitted.id, rootId: submitted.rootId, tenant: 'acme' });
    const slice = stack.engine.processBatch([{ body }]);
    await inside.opened;

    const stopping = await stack.engine.apply('stop', submitted.id, { tenant: 'acme' });
    expect(stopping?.status).toBe('STOPPING');
    const stopped = await stack.engine.apply('force-stop', submitted.id, { tenant: 'acme' });
    expect(stopped?.status).toBe('STOPPED');
    const afterForceStop = await engineInternals(stack.engine).deps.jobs.get(submitted.id);

    release.open();
    const { outcomes } = await slice;

    expect(outcomes).toEqual(['leaseLost']);
    expect(await engineInternals(stack.engine).deps.jobs.get(submitted.id)).toEqual(afterForceStop);
    const checkpoints = await engineInternals(stack.engine).deps.checkpoints.load(submitted.id);
    expect(checkpoints.has('after')).toBe(false);
    expect(await ledger.counts(submitted.id)).toEqual({ before: 1, slow: 1 });

    await stack.engine.apply('resume', submitted.id, { tenant: 'acme' });
    await stack.runUntil(async () => (await stack.engine.get(submitted.id, { tenant: 'acme' })).status === 'FINISHED');
    await stack.stop();
    // The step in flight at the force stop was never checkpointed: it runs again, once.
    expect(await ledger.counts(submitted.id)).toEqual({ before: 1, slow: 2, after: 1 });
  });

  it('stops a stoppable job at its next step boundary and resumes it from its checkpoint', async () => {
    const runs = new Map<string, number>();
    const inside = gate();
    const release = gate();
    const job = defineJob({
      type: 'STEPPED',
      async run(ctx) {
        for (let i = 0; i < 5; i++) {
          await ctx.step(`s${i}`, async () => {
            runs.set(`s${i}`, (runs.get(`s${i}`) ?? 0) + 1);
            if (i === 1) {
              inside.open();
              await release.opened;
            }
          });
        }
        return { steps: 5 };
      },
    });
    const stack = await createTestStack(emulators, { definitions: [job] });
    const { job: submitted } = await stack.engine.submit({ type: 'STEPPED', tenant: 'acme' });
    stack.poller.start();
    await inside.opened;
    expect((await stack.engine.apply('stop', submitted.id, { tenant: 'acme' }))?.status).toBe('STOPPING');
    release.open();
    await eventually(async () => (await stack.engine.get(submitted.id, { tenant: 'acme' })).status === 'STOPPED');
    expect(runs.get('s2')).toBeUndefined();

    await stack.engine.apply('resume', submitted.id, { tenant: 'acme' });
    await stack.runUntil(async () => (await stack.engine.get(submitted.id, { tenant: 'acme' })).status === 'FINISHED');
    await stack.stop();
    expect(Object.fromEntries(runs)).toEqual({ s0: 1, s1: 1, s2: 1, s3: 1, s4: 1 });
  });

  it('retries a failing slice per the type’s policy, then finishes with errors logged', async () => {
    let calls = 0;
    const flaky = defineJob({
      type: 'FLAKY',
      retry: { maxAttempts: 3, backoffMs: 10 },
      async run(ctx) {
        await ctx.step('try', () => {
          calls++;
          if (calls < 3) throw new Error(`boom ${calls}`);
        });
        return { calls };
      },
    });
    const broken = defineJob({
      type: 'BROKEN',
      retry: { maxAttempts: 2, backoffMs: 10 },
      run: async () => {
        throw new Error('always');
      },
    });
    const stack = await createTestStack(emulators, { definitions: [flaky, broken] });
    const a = (await stack.engine.submit({ type: 'FLAKY', tenant: 'acme' })).job;
    const b = (await stack.engine.submit({ type: 'BROKEN', tenant: 'acme' })).job;
    await stack.runUntil(async () => {
      const [ja, jb] = await Promise.all([stack.engine.get(a.id, { tenant: 'acme' }), stack.engine.get(b.id, { tenant: 'acme' })]);
      return ja.status === 'FINISHED' && jb.status === 'FINISHED';
    });
    await stack.stop();
    expect(await stack.engine.get(a.id, { tenant: 'acme' })).toMatchObject({ hasErrors: false, results: { calls: 3 } });
    expect(await stack.engine.get(b.id, { tenant: 'acme' })).toMatchObject({ hasErrors: true, error: 'always' });
    const logs = await loggedLines(engineInternals(stack.engine).deps.jobs, b.id);
    expect(logs.filter((l) => l.level === 'ERROR').map((l) => l.message)).toEqual(['job failed: always']);
  });
});

describe('continuation slices', () => {
  let emulators: Emulators;
  beforeAll(async () => {
    emulators = await startEmulators();
  });
  afterAll(async () => {
    await emulators?.stop();
  });

  it('yields at the slice budget and continues in new slices without re-running a step', async () => {
    const runs = new Map<string, number>();
    const long = defineJob({
      type: 'LONG',
      async run(ctx) {
        for (let i = 0; i < 12; i++) {
          await ctx.step(`s${i}`, async () => {
            runs.set(`s${i}`, (runs.get(`s${i}`) ?? 0) + 1);
            await new Promise((r) => setTimeout(r, 40));
          });
          ctx.log.info(`after s${i}`);
        }
        return { steps: 12 };
      },
    });
    const stack = await createTestStack(emulators, { definitions: [long], tuning: { sliceBudgetMs: 150 } });
    const { job } = await stack.engine.submit({ type: 'LONG', tenant: 'acme' });
    await stack.runUntil(async () => (await stack.engine.get(job.id, { tenant: 'acme' })).status === 'FINISHED');
    await stack.stop();

    const slices = stack.events.filter((e) => e.type === 'sliceEnded' && e.jobId === job.id);
    expect(slices.filter((e) => e.type === 'sliceEnded' && e.outcome === 'yielded').length).toBeGreaterThanOrEqual(2);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(runs.size).toBe(12);
    // Lines logged outside steps are written once, not again on each replay.
    const logs = await loggedLines(engineInternals(stack.engine).deps.jobs, job.id);
    expect(logs.map((l) => l.message)).toEqual(Array.from({ length: 12 }, (_, i) => `after s${i}`));
  });
});

describe('a step that honours ctx.signal', () => {
  let emulators: Emulators;
  beforeAll(async () => {
    emulators = await startEmulators();
  });
  afterAll(async () => {
    await emulators?.stop();
  });

  it('is interrupted by a stop, ends STOPPED (not failed), and runs again on resume', async () => {
    const runs = new Map<string, number>();
    const inside = gate();
    const job = defineJob({
      type: 'ABORTABLE',
      retry: { maxAttempts: 3, backoffMs: 10 },
      async run(ctx) {
        await ctx.step('wait', async () => {
          runs.set('wait', (runs.get('wait') ?? 0) + 1);
          if (runs.get('wait') === 1) {
            inside.open();
            await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
          }
        });
        return { waited: true };
      },
    });
    const stack = await createTestStack(emulators, { definitions: [job], tuning: { leaseMs: 300 } });
    const { job: submitted } = await stack.engine.submit({ type: 'ABORTABLE', tenant: 'acme' });
    stack.poller.start();
    await inside.opened;
    await stack.engine.apply('stop', submitted.id, { tenant: 'acme' });
    await eventually(async () => (await stack.engine.get(submitted.id, { tenant: 'acme' })).status === 'STOPPED', 10_000);
    expect((await stack.engine.get(submitted.id, { tenant: 'acme' })).hasErrors).toBe(false);

    await stack.engine.apply('resume', submitted.id, { tenant: 'acme' });
    await stack.runUntil(async () => (await stack.engine.get(submitted.id, { tenant: 'acme' })).status === 'FINISHED');
    await stack.stop();
    expect(runs.get('wait')).toBe(2);
    expect((await stack.engine.get(submitted.id, { tenant: 'acme' })).results).toEqual({ waited: true });
  });
});

describe('a job whose slices keep dying', () => {
  let emulators: Emulators;
  beforeAll(async () => {
    emulators = await startEmulators();
  });
  afterAll(async () => {
    await emulators?.stop();
  });

  it('fails with a clear error after MAX_LOST_SLICES instead of being taken over forever', async () => {
    const job = defineJob({ type: 'HANGS', run: async (ctx) => void (await ctx.step('hang', () => new Promise(() => undefined))) });
    const stack = await createTestStack(emulators, { definitions: [job], tuning: { leaseMs: 60_000 } });
    const { job: submitted } = await stack.engine.submit({ type: 'HANGS', tenant: 'acme' });
    const body = encodeWorkMessage({ jobId: submitted.id, rootId: submitted.rootId, tenant: 'acme' });
    for (let lost = 0; lost < 3; lost++) {
      // A slice that dies holding its lease, as a killed or timed-out Lambda leaves it.
      void stack.engine.processBatch([{ body }]);
      // This slice took the lease (the previous one's owner is the same worker, so the epoch tells).
      await eventually(async () => (await engineInternals(stack.engine).deps.jobs.get(submitted.id))?.leaseEpoch === lost + 1);
      await engineInternals(stack.engine).deps.jobs.tryUpdate(submitted.id, { set: { leaseExpiresAt: Date.now() - 1 } });
    }
    const { outcomes } = await stack.engine.processBatch([{ body }]);
    expect(outcomes).toEqual(['failed']);
    const failed = await stack.engine.get(submitted.id, { tenant: 'acme' });
    expect(failed).toMatchObject({ status: 'FINISHED', hasErrors: true });
    expect(failed.error).toContain('stopped mid-slice 3 times');
  });
});
