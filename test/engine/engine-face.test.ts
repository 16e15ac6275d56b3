import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineJob, JobRegistry } from '@stint/sdk';
import { Engine, type EngineOptions, type JobStatus } from '@stint/core';
import type { JobRecord } from '@stint/core/job-record';
import { setCrashPointHook } from '@stint/core/crash-points';
import type { EngineEvent } from '@stint/core/engine/deps';
import { CounterBatch } from '@stint/core/store/counter-store';
import { readSummary } from '@stint/core/query/stats-reader';
import { engineInternals } from '@stint/core/testing';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { engineStack } from '../support/engine-stack.ts';
import { cursorAfter, nextSeqInShard, treeJobItem } from '../support/job-items.ts';

const TASK = defineJob({ type: 'TASK', run: async () => ({}) });
const SYSTEM_TYPES = ['BULK_OPERATION', 'CASCADE', 'CLEAR_INACTIVE', 'EXPORT_JOBS'];

/**
 * The engine's public face (packages/core/src/engine/engine.ts) over the emulators: the tuning
 * and worker name it derives from its options, the job types it adds to a registry, and how
 * it counts, reports and batches what it is asked to do. No poller runs.
 */
describe.each(DYNAMO_BACKENDS)('the engine on %s', (backend) => {
  const { stack, deps } = engineStack(backend, { definitions: [TASK] });
  afterEach(() => vi.restoreAllMocks());

  /** Another engine over the stack's table and queues. */
  const engineWith = (options: Partial<EngineOptions> & { leaseMs?: number } = {}) => {
    const { leaseMs, ...rest } = options;
    return new Engine({
      clients: stack().clients,
      config: { ...stack().config, ...(leaseMs !== undefined ? { leaseMs } : {}) },
      registry: new JobRegistry([TASK]),
      ...rest,
    });
  };
  const tuningOf = (engine: Engine) => engineInternals(engine).deps.tuning;

  describe('its tuning', () => {
    it.each([
      [10_000, 300_000],
      [150_000, 300_000],
      [150_001, 300_002],
    ])('resends a lost message after twice a lease of %i ms, never sooner than 5 minutes: %i ms', (leaseMs, redispatch) => {
      expect(tuningOf(engineWith({ leaseMs })).redispatchAfterMs).toBe(redispatch);
    });

    it("takes the config's slice budget, lease, per-root bound and retention, a minute's settle grace and twice the worker's timeout to settle counters", () => {
      const { config } = stack();
      expect(tuningOf(engineWith())).toEqual({
        sliceBudgetMs: config.sliceBudgetMs,
        leaseMs: config.leaseMs,
        maxInFlightPerRoot: config.maxInFlightPerRoot,
        retentionDays: config.retentionDays,
        redispatchAfterMs: 300_000,
        settleGraceMs: 60_000,
        counterSettleMs: 240_000,
      });
    });

    it('keeps the times it is given, zero included', () => {
      expect(tuningOf(engineWith({ redispatchAfterMs: 7, settleGraceMs: 0, counterSettleMs: 0 }))).toMatchObject({
        redispatchAfterMs: 7,
        settleGraceMs: 0,
        counterSettleMs: 0,
      });
    });
  });

  it('names its worker after its process unless told, and reads the time from its clock or the system', () => {
    const named = [engineWith(), engineWith()].map((engine) => engineInternals(engine).deps.workerId);
    for (const name of named) expect(name).toMatch(new RegExp(`^worker-${process.pid}-[a-z0-9]{1,6}$`));
    expect(named[0]).not.toBe(named[1]);
    expect(engineInternals(engineWith({ workerId: 'worker-7' })).deps.workerId).toBe('worker-7');
    expect(engineWith({ clock: () => 42 }).now()).toBe(42);
    const before = Date.now();
    const now = engineWith().now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  describe('the job types it adds', () => {
    it("registers the monitor's system jobs and the cascade beside the deployment's own", () => {
      const registry = new JobRegistry([TASK]);
      new Engine({ clients: stack().clients, config: stack().config, registry });
      expect(registry.types().sort()).toEqual([...SYSTEM_TYPES, 'TASK'].sort());
      expect(SYSTEM_TYPES.filter((type) => type !== 'CASCADE').map((type) => registry.get(type)?.system)).toEqual([true, true, true]);
    });

    it('leaves a registry another engine filled as it is', () => {
      const registry = new JobRegistry([TASK]);
      new Engine({ clients: stack().clients, config: stack().config, registry });
      const definitions = registry.types().map((type) => registry.get(type));
      new Engine({ clients: stack().clients, config: stack().config, registry });
      expect(registry.types().map((type) => registry.get(type))).toEqual(definitions);
    });

    it("refuses a deployment's own job type named like a system job", () => {
      const registry = new JobRegistry([defineJob({ type: 'EXPORT_JOBS', run: async () => ({}) })]);
      expect(() => new Engine({ clients: stack().clients, config: stack().config, registry })).toThrow('job type EXPORT_JOBS is registered twice');
    });
  });

  describe('what it reports', () => {
    it('passes a warning to its event handler with what it names, and only that', () => {
      const events: EngineEvent[] = [];
      const engine = engineWith({ onEvent: (event) => events.push(event) });
      const error = new Error('throttled');
      engine.warn('a flush failed', { jobId: 'j1', error });
      engine.warn('a plain warning');
      expect(events).toEqual([
        { type: 'warning', message: 'a flush failed', jobId: 'j1', error },
        { type: 'warning', message: 'a plain warning' },
      ]);
    });

    it('returns a sweep with the schedules and counters it also ran', async () => {
      const report = await stack().engine.sweep();
      expect(Object.keys(report).sort()).toEqual(
        [
          'adoptionsFinished',
          'cascadesFinished',
          'concurrencyWoken',
          'countersCorrected',
          'deadlinesEnforced',
          'delayedStarted',
          'dispatched',
          'expiredLeases',
          'lostDispatches',
          'parentsRecounted',
          'parentsSettled',
          'schedulesFailed',
          'schedulesReconciled',
          'schedulesSkipped',
          'schedulesStarted',
        ].sort(),
      );
    });
  });

  describe('without an event handler', () => {
    it('drops its warnings, and still reports a message it cannot read as failed', async () => {
      const engine = engineWith();
      expect(() => engine.warn('nobody listens')).not.toThrow();
      expect(await engine.processBatch([{ body: 'not json' }])).toEqual({ failed: [0], outcomes: ['error'] });
      expect((await engine.submit({ type: 'TASK', tenant: 'unheard' })).created).toBe(true);
    });
  });

  describe('what it hands on', () => {
    it('gives its handler to the run history, which warns of a run record it could not write', async () => {
      const events: EngineEvent[] = [];
      const engine = engineWith({ onEvent: (event) => events.push(event) });
      const { history } = engineInternals(engine).schedules;
      const { job } = await engine.submit({ type: 'TASK', tenant: 'history' });
      const error = new Error('the table is away');
      vi.spyOn(history.table, 'putIfAbsent').mockRejectedValue(error);
      // A run pointed at with no record is recorded from its job as it is read.
      await history.latest([{ tenant: 'history', scheduleId: 'nightly', jobId: job.id, createDate: job.createDate }]);
      expect(events.filter((event) => event.type === 'warning')).toEqual([
        { type: 'warning', message: 'a schedule run record could not be written', jobId: job.id, error },
      ]);
    });

    it("gives its clock to the counters, its handler to the schedules, and a run's end or removal to the schedules", async () => {
      const onEvent = () => {};
      const engine = engineWith({ clock: () => 42, onEvent });
      const internals = engineInternals(engine);
      expect([internals.deps.counters.clock(), internals.schedules.onEvent]).toEqual([42, onEvent]);
      const ended = vi.spyOn(engine.schedules, 'runEnded').mockResolvedValue(undefined);
      const removed = vi.spyOn(engine.schedules, 'runRemoved').mockResolvedValue(undefined);
      const record = treeJobItem(42, 'FINISHED', null);
      await internals.deps.runEnded?.(record);
      await internals.deps.runRemoved?.(record);
      expect([ended.mock.calls, removed.mock.calls]).toEqual([[[record]], [[record]]]);
      expect(await engine.monitor.summary({ tenant: 'nobody' })).toBeDefined();
    });

    it('answers a repeated submission of a job asked to start later with that job, as it waits', async () => {
      const { engine } = stack();
      const input = { type: 'TASK', tenant: 'later', idempotencyKey: 'nightly-1', runAt: new Date(Date.now() + 3_600_000).toISOString() };
      const first = await engine.submit(input);
      const again = await engine.submit(input);
      expect([again.created, again.job.id, again.job.status]).toEqual([false, first.job.id, 'PENDING']);
    });

    it("reads and operates on a job in the caller's tenant only", async () => {
      const { engine } = stack();
      const { job } = await engine.submit({ type: 'TASK', tenant: 'own' });
      expect((await engine.get(job.id, { tenant: 'own' })).id).toBe(job.id);
      await expect(engine.get(job.id, { tenant: 'other' })).rejects.toMatchObject({ code: 'notFound' });
      expect((await engine.apply('stop', job.id, { tenant: 'own' }))?.status).toBe('STOPPED');
    });
  });

  it('adds a log line from outside, an ERROR marking the job', async () => {
    const { engine } = stack();
    const { job } = await engine.submit({ type: 'TASK', tenant: 'logged' });
    expect(await engine.appendLog(job, 'ERROR', 'checked by hand')).toMatchObject({ level: 'ERROR', message: 'checked by hand' });
    expect((await deps().jobs.get(job.id))?.hasErrors).toBe(true);
  });

  describe("a CASCADE job's page", () => {
    const place = async (status: JobStatus, parent: JobRecord | null, seq = 1, fields: Partial<JobRecord> = {}) => {
      const record = treeJobItem(Date.now(), status, parent, { tenant: 'paged', seq, fields });
      await deps().jobs.create(record);
      return record;
    };

    it('cancels the children an operation reaches, leaving those that ended', async () => {
      const root = await place('CANCELING', null, 1, { childrenTotal: 2 });
      const ended = await place('FINISHED', root, 1);
      const waiting = await place('PENDING', root, 2);
      expect(await stack().engine.cascadePage({ jobId: root.id, operation: 'cancel' }, undefined)).toBeUndefined();
      expect([(await deps().jobs.get(ended.id))?.status, (await deps().jobs.get(waiting.id))?.status]).toEqual(['FINISHED', 'CANCELED']);
    });

    it('starts where the page before ended', async () => {
      const root = await place('CANCELING', null, 1, { childrenTotal: 2 });
      const first = await place('PENDING', root, 1);
      const second = await place('PENDING', root, nextSeqInShard(root, 1));
      expect(await stack().engine.cascadePage({ jobId: root.id, operation: 'cancel' }, cursorAfter(first))).toBeUndefined();
      expect([(await deps().jobs.get(first.id))?.status, (await deps().jobs.get(second.id))?.status]).toEqual(['PENDING', 'CANCELED']);
    });

    it('retries a failed root that ended before the retry was asked', async () => {
      const failed = { type: 'TASK', hasErrors: true, error: 'boom' };
      const before = await place('FINISHED', null, 1, failed);
      const after = await place('FINISHED', null, 1, { ...failed, endDate: Date.now() + 60_000 });
      for (const root of [before, after]) await stack().engine.cascadePage({ jobId: root.id, operation: 'retry', since: Date.now() }, undefined);
      expect([(await deps().jobs.get(before.id))?.status, (await deps().jobs.get(after.id))?.status]).toEqual(['PENDING', 'FINISHED']);
    });
  });

  describe('a batch of work messages', () => {
    it('runs each, reports the one it cannot read as failed, and hands each slice its heartbeat', async () => {
      const { engine, events } = stack();
      const process = vi.spyOn(engineInternals(engine).slices, 'process');
      const heartbeat = async () => {};
      const body = JSON.stringify({ v: 1, jobId: 'not-there', rootId: 'not-there', tenant: 'acme' });
      const result = await engine.processBatch([{ body, heartbeat }, { body: 'not json' }, { body }]);
      expect(result).toEqual({ failed: [1], outcomes: ['skipped', 'error', 'skipped'] });
      expect(process.mock.calls.map((call) => call[2])).toEqual([heartbeat, undefined]);
      expect(events.filter((event) => event.type === 'warning' && event.message === 'work message failed')).toHaveLength(1);
    });
  });

  describe('counting', () => {
    it('writes the counts of what it did when done, past a crash point only when there is something to write', async () => {
      const { engine } = stack();
      const flushes: string[] = [];
      setCrashPointHook(async (point) => {
        if (point === 'counters.beforeFlush') flushes.push(point);
      });
      await engine.processBatch([{ body: JSON.stringify({ v: 1, jobId: 'not-there', rootId: 'x', tenant: 'acme' }) }]);
      expect(flushes).toEqual([]);
      const { job } = await engine.submit({ type: 'TASK', tenant: 'counted' });
      expect(flushes).toEqual(['counters.beforeFlush']);
      expect(job.status).toBe('PENDING');
      expect(await readSummary(deps().jobs, 'counted')).toMatchObject({ total: 1, active: 1 });
    });

    it('keeps what it did when its counts cannot be written, and warns', async () => {
      const { engine, events } = stack();
      vi.spyOn(CounterBatch.prototype, 'flush').mockRejectedValueOnce(new Error('throttled'));
      const { job, created } = await engine.submit({ type: 'TASK', tenant: 'acme' });
      expect(created).toBe(true);
      expect((await deps().jobs.get(job.id))?.status).toBe('PENDING');
      expect(events).toContainEqual(expect.objectContaining({ type: 'warning', message: 'counter deltas not written; the reconcile re-derives the cards' }));
    });
  });
});
