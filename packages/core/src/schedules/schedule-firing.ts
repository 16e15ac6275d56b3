import { crashPoint } from '../crash-points.ts';
import type { ScheduleDefinition } from '@stint/sdk';
import { isEnded } from '../job.ts';
import type { UpdateSpec } from '../store/update-expression.ts';
import { tenantKeyOf } from './schedule-catalog.ts';
import { scheduler, type ScheduleDeps } from './schedule-deps.ts';
import { latestSlot, patternsOf } from './planning.ts';
import { newScheduleState, plannedFields, type ScheduleState } from './schedule-store.ts';

/**
 * How long one sweep keeps starting due runs (the sweeper's timeout is 55 s and crash
 * recovery runs first); rows still due after it start on the next sweep, a minute later.
 */
export const FIRE_BUDGET_MS = 25_000;
const PAGE = 100;
const CONCURRENCY = 16;

export interface FireReport {
  /** Runs started by this sweep. */
  started: number;
  /** Rows created or re-planned because a tenant or a definition appeared or changed. */
  reconciled: number;
  /** Rows that could not be fired this time (reported as warnings); the next sweep tries again. */
  failed: number;
  /** Slots let pass because the schedule skips overlaps and its previous run was still active. */
  skipped: number;
}

/** An update spec of `set` and `remove` only: any other part is a compile error, not silently lost. */
export type MergeableSpec = Pick<UpdateSpec, 'set' | 'remove'> & { [K in Exclude<keyof UpdateSpec, 'set' | 'remove'>]?: never };

/**
 * Merges update specs; later `set`s win. Only `set` and `remove` merge (a condition or an `add`
 * has no meaning merged), so the type admits no other part rather than dropping it.
 */
export function mergeSpecs(...specs: MergeableSpec[]): UpdateSpec {
  return {
    set: Object.assign({}, ...specs.map((spec) => spec.set ?? {})),
    remove: specs.flatMap((spec) => spec.remove ?? []),
  };
}

/**
 * Makes the stored rows match the code and the tenants: a row for each tenant-scoped schedule
 * and tenant and for each installation schedule, and automatic rows re-planned when their
 * definition's cron changed. A signature of both is kept, so a steady state costs one read of
 * the tenant directory and nothing else.
 */
export class ScheduleReconciler {
  #lastSignature: string | undefined;

  constructor(readonly deps: ScheduleDeps) {}

  async reconcile(): Promise<number> {
    const { catalog, store } = this.deps;
    const tenants = await this.deps.tenants.list();
    const signature = catalog.signature(tenants);
    if (signature === this.#lastSignature) return 0;
    if ((await store.catalogSignature()) === signature) {
      this.#lastSignature = signature;
      return 0;
    }
    const now = this.deps.clock();
    const refs = catalog.rows(tenants);
    const existing = new Map((await store.getMany(refs.map((ref) => ({ tenant: tenantKeyOf(ref), scheduleId: ref.id })))).map((state) => [state.sk, state]));
    let changed = 0;
    for (const ref of refs) {
      const definition = catalog.find(ref.id)!;
      const tenant = tenantKeyOf(ref);
      const state = existing.get(`${tenant}#${ref.id}`);
      if (!state) {
        if (await store.create(newScheduleState(ref.id, tenant, definition.automatic, now))) changed++;
      } else if (state.planning.type === 'automatic' && state.planned !== JSON.stringify(patternsOf(state.planning, definition.automatic))) {
        if (await store.update(state, plannedFields(state, state.planning, definition.automatic, now))) changed++;
      }
    }
    await store.saveCatalogSignature(signature);
    this.#lastSignature = signature;
    return changed;
  }
}

/**
 * Starts every due run exactly once per planned slot. A row is due when its next slot has
 * come; after downtime the slots missed collapse into one run for the latest of them. The
 * run is submitted with an idempotency key naming the slot, so sweepers racing on a row (or
 * a retried sweep) make one job, and the row moves on only by a conditional write on the
 * version it was read at.
 */
export async function fireDue(deps: ScheduleDeps, reconciler: ScheduleReconciler): Promise<FireReport> {
  const reconciled = await reconciler.reconcile();
  const now = deps.clock();
  const began = performance.now();
  let started = 0;
  let failed = 0;
  let skipped = 0;
  // Rows fired move past `now`, out of the range; a failed row stays, so pages go on past it.
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.store.due(now, PAGE, startKey);
    for (let i = 0; i < page.keys.length; i += CONCURRENCY) {
      const batch = page.keys.slice(i, i + CONCURRENCY);
      // One row that cannot fire (a throttled write, an unknown job type) must not hold back the others.
      const fired = await Promise.allSettled(batch.map((key) => fire(deps, key.tenant, key.scheduleId, now)));
      for (const [index, result] of fired.entries()) {
        if (result.status === 'fulfilled') {
          if (result.value === 'started') started++;
          if (result.value === 'skipped') skipped++;
        } else {
          failed++;
          const { tenant, scheduleId } = batch[index]!;
          deps.onEvent?.({ type: 'warning', message: `schedule ${scheduleId} of ${tenant} could not start its run`, error: result.reason });
        }
      }
    }
    startKey = page.lastKey;
  } while (startKey && performance.now() - began < FIRE_BUDGET_MS);
  return { started, reconciled, failed, skipped };
}

async function fire(deps: ScheduleDeps, tenant: string, scheduleId: string, now: number): Promise<'started' | 'skipped' | 'none'> {
  const state = await deps.store.get(tenant, scheduleId);
  // The due index lags the table: the row may have moved on since the index was read.
  if (!state || state.nextRunAt === undefined || state.nextRunAt > now) return 'none';
  const definition = deps.catalog.find(scheduleId);
  if (!definition) {
    // Its definition was removed from the code: keep the row's history, stop firing it.
    await deps.store.update(state, { remove: ['nextRunAt', 'gsi5pk', 'gsi5sk'] });
    return 'none';
  }
  const slot = Math.max(state.nextRunAt, latestSlot(state.planning, definition.automatic, now) ?? state.nextRunAt);
  if (definition.overlap === 'skip' && (await previousRunActive(deps, state))) {
    await moveOn(deps, state, definition, slot, now, {});
    deps.onEvent?.({ type: 'warning', message: `schedule ${scheduleId} of ${tenant} skipped a slot: its previous run ${state.lastJobId} is still active` });
    return 'skipped';
  }
  const { job, created } = await deps.submit({
    type: definition.jobType,
    tenant,
    data: definition.data,
    runBy: scheduler(scheduleId),
    idempotencyKey: `schedule:${scheduleId}:${slot}`,
    scheduleId,
    submitter: { kind: 'scheduler', scheduleId },
  });
  // A crash here or after the record leaves the row due: the next sweep finds the slot's job
  // by its key, writes the record if it is missing, and moves the row on.
  await crashPoint('schedule.runSubmitted', { jobId: job.id, jobType: job.type });
  await deps.history.started(scheduleId, job);
  await crashPoint('schedule.runRecorded', { jobId: job.id, jobType: job.type });
  await moveOn(deps, state, definition, slot, now, { lastJobId: job.id, lastRunAt: job.createDate });
  if (created) await trimHistory(deps, tenant, scheduleId);
  return created ? 'started' : 'none';
}

/** Keeps the schedule's newest runs; a trim that fails is tried again at its next run, and fails nothing. */
export async function trimHistory(deps: ScheduleDeps, tenant: string, scheduleId: string): Promise<void> {
  await deps.history.trim(tenant, scheduleId).catch((error: unknown) => {
    deps.onEvent?.({ type: 'warning', message: `schedule ${scheduleId} of ${tenant} could not trim its run history`, error });
  });
}

async function previousRunActive(deps: ScheduleDeps, state: ScheduleState): Promise<boolean> {
  if (!state.lastJobId) return false;
  const previous = await deps.jobs.get(state.lastJobId);
  return previous !== undefined && !isEnded(previous.status);
}

/** Moves a row past `slot` (to its next slot after now), recording the run it started, if any. */
async function moveOn(
  deps: ScheduleDeps,
  state: ScheduleState,
  definition: ScheduleDefinition,
  slot: number,
  now: number,
  run: { lastJobId?: string; lastRunAt?: number },
): Promise<void> {
  const last = { set: { lastSlot: slot, ...run } };
  const moved = await deps.store.update(state, mergeSpecs(plannedFields(state, state.planning, definition.automatic, Math.max(slot, now)), last));
  if (moved) return;
  // A planning change (or another sweeper) moved the row first; its next slot is already
  // after now, so only the slot's bookkeeping is left to record.
  await deps.store.touch(state.tenant, state.scheduleId, {
    ...last,
    condition: 'attribute_exists(#pk) AND (attribute_not_exists(#lastSlot) OR #lastSlot < :slot)',
    values: { ':slot': slot },
  });
}
