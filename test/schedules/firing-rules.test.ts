import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineJob, defineSchedule, type ScheduleDefinition } from '@stint/sdk';
import { openCursors } from '@stint/core/query/cursor';
import { fireDue, ScheduleReconciler } from '@stint/core/schedules/schedule-firing';
import { parseScheduleRunsQuery } from '@stint/core/schedules/schedule-input';
import type { ScheduleDeps } from '@stint/core/schedules/schedule-deps';
import { engineInternals } from '@stint/core/testing';
import { attachTestStack, createTestStack, startEmulators, type Emulators, type TestStack } from '../support/stack.ts';

/**
 * The rules of one firing, each on its own table with no worker running (a started run stays
 * PENDING, so it is "still active"): what a run is submitted with, where the row moves, and
 * what a removed definition, a skipped overlap, a failed submit or trim and a lost race on the
 * row leave behind. Times are written out: every ten minutes, from 2026-06-01T00:00Z.
 */
const QUICK = defineJob({ type: 'QUICK', run: async () => ({ ok: true }) });
const tenMinutes = (id: string, overlap: 'allow' | 'skip' = 'allow', cron = '*/10 * * * *') =>
  defineSchedule({ id, description: id, jobType: 'QUICK', data: { from: id }, scope: 'installation', automatic: { cron, timeZone: 'UTC' }, overlap });
const at = (hhmmss: string) => Date.parse(`2026-06-01T${hhmmss}Z`);
const INSTALLATION = '_admin';

let emulators: Emulators;
const stacks: TestStack[] = [];
beforeAll(async () => {
  emulators = await startEmulators({ dynamo: 'dynalite' });
});
afterAll(async () => {
  for (const stack of stacks) await stack.stop();
  await emulators?.stop();
});

/** A stack whose clock the test moves, its rows planned at 00:00 (first slot 00:10). */
async function stackWith(schedules: ScheduleDefinition[]) {
  const clock = { now: at('00:00:00') };
  const stack = await createTestStack(emulators, { definitions: [QUICK], schedules, clock: () => clock.now });
  stacks.push(stack);
  expect(await stack.engine.schedules.fireDue()).toEqual({ started: 0, reconciled: schedules.length, failed: 0, skipped: 0 });
  const deps = engineInternals(stack.engine).schedules;
  const row = (id: string) => deps.store.get(INSTALLATION, id);
  const warnings = () => stack.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
  return { stack, clock, deps, row, warnings };
}

describe('a due row', () => {
  it('starts one run for its slot, as the schedule, and moves on to the next slot', async () => {
    const { stack, clock, row } = await stackWith([tenMinutes('every-ten')]);
    expect((await row('every-ten'))?.nextRunAt).toBe(at('00:10:00'));
    clock.now = at('00:09:59.999');
    expect(await stack.engine.schedules.fireDue()).toEqual({ started: 0, reconciled: 0, failed: 0, skipped: 0 });
    // Due at its very slot, not a millisecond later.
    clock.now = at('00:10:00');
    expect(await stack.engine.schedules.fireDue()).toEqual({ started: 1, reconciled: 0, failed: 0, skipped: 0 });
    const state = await row('every-ten');
    expect(state).toMatchObject({ lastSlot: at('00:10:00'), nextRunAt: at('00:20:00'), lastRunAt: at('00:10:00') });
    const job = await stack.engine.get(state!.lastJobId!, { allTenants: true });
    expect(job).toMatchObject({
      type: 'QUICK',
      tenant: INSTALLATION,
      data: { from: 'every-ten' },
      scheduleId: 'every-ten',
      runBy: { id: 'schedule:every-ten', name: 'Schedule every-ten' },
    });
    // The run's idempotency key names the slot: a racing sweeper's submit finds this job.
    const again = await stack.engine.submit({ type: 'QUICK', tenant: INSTALLATION, idempotencyKey: `schedule:every-ten:${at('00:10:00')}` });
    expect(again).toMatchObject({ created: false, job: { id: job.id } });
    const runs = await stack.engine.schedules.runs({ id: 'every-ten', tenant: null }, { allTenants: true }, parseScheduleRunsQuery({}), openCursors);
    expect(runs.items.map((run) => run.id)).toEqual([job.id]);
  });

  it('after missed slots starts one run, for the latest of them', async () => {
    const { stack, clock, row } = await stackWith([tenMinutes('missed')]);
    clock.now = at('00:45:00');
    expect((await stack.engine.schedules.fireDue()).started).toBe(1);
    expect(await row('missed')).toMatchObject({ lastSlot: at('00:40:00'), nextRunAt: at('00:50:00') });
  });

  it('whose definition left the code keeps its history and leaves the due index', async () => {
    const { stack, clock, row } = await stackWith([tenMinutes('kept'), tenMinutes('removed')]);
    clock.now = at('00:10:05');
    await stack.engine.schedules.fireDue();
    const before = await row('removed');
    const without = attachTestStack(stack.clients, stack.provisioned, stack.config, {
      definitions: [QUICK],
      schedules: [tenMinutes('kept')],
      clock: () => clock.now,
    });
    clock.now = at('00:20:05');
    expect(await without.engine.schedules.fireDue()).toEqual({ started: 1, reconciled: 0, failed: 0, skipped: 0 });
    const after = await row('removed');
    expect(after).toMatchObject({ lastSlot: before!.lastSlot, lastJobId: before!.lastJobId });
    for (const gone of ['nextRunAt', 'gsi5pk', 'gsi5sk']) expect(after).not.toHaveProperty(gone);
    // Out of the due index: a later sweep does not even read it.
    clock.now = at('00:30:05');
    expect(await without.engine.schedules.fireDue()).toEqual({ started: 1, reconciled: 0, failed: 0, skipped: 0 });
  });
});

describe('overlap: skip', () => {
  it('lets a slot pass while the previous run is active, and starts again once it ended', async () => {
    const { stack, clock, row, warnings } = await stackWith([tenMinutes('solo', 'skip')]);
    clock.now = at('00:10:05');
    expect((await stack.engine.schedules.fireDue()).started).toBe(1);
    const first = (await row('solo'))!.lastJobId!;
    clock.now = at('00:20:05');
    expect(await stack.engine.schedules.fireDue()).toEqual({ started: 0, reconciled: 0, failed: 0, skipped: 1 });
    expect(await row('solo')).toMatchObject({ lastJobId: first, lastSlot: at('00:20:00'), nextRunAt: at('00:30:00') });
    expect(warnings()).toContain(`schedule solo of _admin skipped a slot: its previous run ${first} is still active`);

    await stack.engine.apply('stop', first, { allTenants: true });
    await stack.engine.apply('cancel', first, { allTenants: true });
    clock.now = at('00:30:05');
    expect(await stack.engine.schedules.fireDue()).toEqual({ started: 1, reconciled: 0, failed: 0, skipped: 0 });
    expect((await row('solo'))!.lastJobId).not.toBe(first);
  });

  it('starts when the previous run is gone (deleted)', async () => {
    const { stack, clock, row } = await stackWith([tenMinutes('gone', 'skip')]);
    clock.now = at('00:10:05');
    expect((await stack.engine.schedules.fireDue()).started).toBe(1);
    const first = (await row('gone'))!.lastJobId!;
    await stack.engine.apply('stop', first, { allTenants: true });
    await stack.engine.apply('cancel', first, { allTenants: true });
    await stack.engine.apply('delete', first, { allTenants: true });
    clock.now = at('00:20:05');
    expect((await stack.engine.schedules.fireDue()).started).toBe(1);
  });
});

describe('failures', () => {
  it('counts a row whose run cannot be submitted, warns, leaves it due, and fires the others', async () => {
    const { stack, clock, deps, row, warnings } = await stackWith([tenMinutes('broken'), tenMinutes('fine')]);
    const refused = new Error('submit refused');
    const submit: ScheduleDeps['submit'] = (input) => (input.scheduleId === 'broken' ? Promise.reject(refused) : deps.submit(input));
    clock.now = at('00:10:05');
    expect(await fireDue({ ...deps, submit }, new ScheduleReconciler(deps))).toEqual({ started: 1, reconciled: 0, failed: 1, skipped: 0 });
    expect(stack.events).toContainEqual({ type: 'warning', message: 'schedule broken of _admin could not start its run', error: refused });
    expect(await row('broken')).toMatchObject({ nextRunAt: at('00:10:00') });
    expect(await row('broken')).not.toHaveProperty('lastSlot');
    expect(await row('fine')).toMatchObject({ lastSlot: at('00:10:00') });
    // The next sweep starts it.
    expect((await stack.engine.schedules.fireDue()).started).toBe(1);
    expect(warnings()).toHaveLength(1);
  });

  it('starts the run even when trimming its history fails, with a warning', async () => {
    const { stack, clock, deps, row } = await stackWith([tenMinutes('untrimmed')]);
    const failure = new Error('trim throttled');
    const history = Object.assign(Object.create(Object.getPrototypeOf(deps.history)), deps.history, {
      started: deps.history.started.bind(deps.history),
      trim: () => Promise.reject(failure),
    });
    clock.now = at('00:10:05');
    expect(await fireDue({ ...deps, history }, new ScheduleReconciler(deps))).toEqual({ started: 1, reconciled: 0, failed: 0, skipped: 0 });
    expect(stack.events).toContainEqual({ type: 'warning', message: 'schedule untrimmed of _admin could not trim its run history', error: failure });
    expect((await row('untrimmed'))?.lastSlot).toBe(at('00:10:00'));
  });

  it('records the slot’s run on a row another writer moved first, without moving it again', async () => {
    const { stack, clock, deps, row } = await stackWith([tenMinutes('raced')]);
    clock.now = at('00:10:05');
    // The versioned move loses (another sweeper, or a planning change, got there first).
    vi.spyOn(deps.store, 'update').mockResolvedValueOnce(null);
    expect((await stack.engine.schedules.fireDue()).started).toBe(1);
    vi.restoreAllMocks();
    const state = await row('raced');
    expect(state).toMatchObject({ lastSlot: at('00:10:00'), lastRunAt: at('00:10:05'), nextRunAt: at('00:10:00') });
    expect(state?.lastJobId).toEqual(expect.any(String));
  });
});

describe('reconciling', () => {
  it('re-plans a row whose cron changed, once, and leaves an unchanged catalog alone', async () => {
    const { stack, clock, row } = await stackWith([tenMinutes('replanned')]);
    const same = attachTestStack(stack.clients, stack.provisioned, stack.config, {
      definitions: [QUICK],
      schedules: [tenMinutes('replanned')],
      clock: () => clock.now,
    });
    expect((await same.engine.schedules.fireDue()).reconciled).toBe(0);
    const changed = attachTestStack(stack.clients, stack.provisioned, stack.config, {
      definitions: [QUICK],
      schedules: [tenMinutes('replanned', 'allow', '45 * * * *')],
      clock: () => clock.now,
    });
    clock.now = at('00:05:00');
    expect((await changed.engine.schedules.fireDue()).reconciled).toBe(1);
    expect((await row('replanned'))?.nextRunAt).toBe(at('00:45:00'));
    expect((await changed.engine.schedules.fireDue()).reconciled).toBe(0);
  });

  it('reads only the tenant directory while neither the tenants nor the code changed', async () => {
    const { deps } = await stackWith([tenMinutes('steady')]);
    const reconciler = new ScheduleReconciler(deps);
    const stored = vi.spyOn(deps.store, 'catalogSignature');
    expect(await reconciler.reconcile()).toBe(0);
    expect(await reconciler.reconcile()).toBe(0);
    // The first call checks the stored signature; the second knows it already.
    expect(stored).toHaveBeenCalledTimes(1);
    vi.restoreAllMocks();
  });
});

describe('what a sweep does not redo', () => {
  it('after a crash between the run and the row write, moves the row on without a second run or a trim', async () => {
    const { stack, clock, deps, row } = await stackWith([tenMinutes('retried')]);
    const trims = vi.spyOn(deps.history, 'trim');
    clock.now = at('00:10:05');
    vi.spyOn(deps.store, 'update').mockRejectedValueOnce(new Error('process died'));
    expect((await stack.engine.schedules.fireDue()).failed).toBe(1);
    const runId = (await stack.engine.schedules.runs({ id: 'retried', tenant: null }, { allTenants: true }, parseScheduleRunsQuery({}), openCursors)).items[0]
      ?.id;
    // The slot's run exists; the retry finds it by its key: nothing started, nothing to trim.
    expect(await stack.engine.schedules.fireDue()).toEqual({ started: 0, reconciled: 0, failed: 0, skipped: 0 });
    expect(await row('retried')).toMatchObject({ lastJobId: runId, lastSlot: at('00:10:00'), nextRunAt: at('00:20:00') });
    expect(trims).not.toHaveBeenCalled();
    vi.restoreAllMocks();
  });

  it('fires nothing the due index still lists after the row moved on, was disabled or went away', async () => {
    const { stack, clock, deps, row } = await stackWith([tenMinutes('moved'), tenMinutes('off')]);
    await stack.engine.schedules.update({ id: 'off', tenant: null }, { allTenants: true }, { planning: { type: 'disabled' } });
    clock.now = at('00:05:00');
    // The index lags the table: it may list rows that are not due (any more), or gone.
    const stale = [
      { tenant: INSTALLATION, scheduleId: 'moved' },
      { tenant: INSTALLATION, scheduleId: 'off' },
      { tenant: INSTALLATION, scheduleId: 'no-such-row' },
    ];
    vi.spyOn(deps.store, 'due').mockResolvedValueOnce({ keys: stale, lastKey: undefined });
    expect(await stack.engine.schedules.fireDue()).toEqual({ started: 0, reconciled: 0, failed: 0, skipped: 0 });
    vi.restoreAllMocks();
    expect(await row('moved')).not.toHaveProperty('lastSlot');
    expect(await row('off')).not.toHaveProperty('lastSlot');
  });

  it('checks the stored signature once and reads no rows while the catalog is unchanged', async () => {
    const { stack, clock } = await stackWith([tenMinutes('steady-rows')]);
    const same = attachTestStack(stack.clients, stack.provisioned, stack.config, {
      definitions: [QUICK],
      schedules: [tenMinutes('steady-rows')],
      clock: () => clock.now,
    });
    const reads = vi.spyOn(engineInternals(same.engine).schedules.store, 'getMany');
    expect((await same.engine.schedules.fireDue()).reconciled).toBe(0);
    expect(reads).not.toHaveBeenCalled();
    vi.restoreAllMocks();
  });
});

describe('a sweeper without an event sink', () => {
  it('still counts a failed submit, a skipped slot and a started run whose trim failed', async () => {
    const { clock, deps } = await stackWith([tenMinutes('no-sink-fail'), tenMinutes('no-sink-skip', 'skip'), tenMinutes('no-sink-trim')]);
    clock.now = at('00:10:05');
    expect((await fireDue(deps, new ScheduleReconciler(deps))).started).toBe(3);
    const { onEvent: _, ...silent } = deps;
    const submit: ScheduleDeps['submit'] = (input) => (input.scheduleId === 'no-sink-fail' ? Promise.reject(new Error('refused')) : deps.submit(input));
    const history = Object.assign(Object.create(Object.getPrototypeOf(deps.history)), deps.history, {
      started: deps.history.started.bind(deps.history),
      trim: () => Promise.reject(new Error('trim throttled')),
    });
    clock.now = at('00:20:05');
    expect(await fireDue({ ...silent, submit, history }, new ScheduleReconciler(deps))).toEqual({ started: 1, reconciled: 0, failed: 1, skipped: 1 });
  });
});

describe('a page of more due rows than fire at once', () => {
  it('fires each row once, in batches of 16, and counts one failure once', async () => {
    const ids = Array.from({ length: 18 }, (_, i) => `many-${String(i).padStart(2, '0')}`);
    const { clock, deps } = await stackWith(ids.map((id) => tenMinutes(id)));
    const submit: ScheduleDeps['submit'] = (input) => (input.scheduleId === 'many-17' ? Promise.reject(new Error('refused')) : deps.submit(input));
    const submitted: string[] = [];
    clock.now = at('00:10:05');
    const report = await fireDue(
      {
        ...deps,
        submit: (input) => {
          submitted.push(input.scheduleId!);
          return submit(input);
        },
      },
      new ScheduleReconciler(deps),
    );
    expect(report).toEqual({ started: 17, reconciled: 0, failed: 1, skipped: 0 });
    expect(submitted.sort()).toEqual(ids);
  });
});
