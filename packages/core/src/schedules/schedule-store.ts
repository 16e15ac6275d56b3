import type { AutomaticSchedule } from '@stint/sdk';
import type { JobStore } from '../store/job-store.ts';
import {
  DUE_PARTITION,
  dueRange,
  dueSortKey,
  jobPartition,
  logPrefix,
  SCHEDULE_PARTITION,
  scheduleCatalogKey,
  scheduleKey,
  scheduleOfSortKey,
  seenKey,
} from '../store/table-keys.ts';
import type { UpdateSpec } from '../store/update-expression.ts';
import { nextSlot, patternsOf, type Planning } from './planning.ts';

export interface ReportSettings {
  enabled: boolean;
  recipients: string[];
}

/** One schedule row as stored: its planning, report settings and where it stands. */
export interface ScheduleState {
  pk: string;
  sk: string;
  scheduleId: string;
  /** The run's tenant; ADMIN_TENANT for an installation-wide schedule. */
  tenant: string;
  planning: Planning;
  report: ReportSettings;
  /** The cron patterns `nextRunAt` was computed from, so a changed definition is re-planned. */
  planned: string;
  /** Absent when the planning never fires (disabled). */
  nextRunAt?: number;
  /** The last slot a run was started for: each slot starts at most one run. */
  lastSlot?: number;
  lastJobId?: string;
  lastRunAt?: number;
  lastReport?: { jobId: string; at: number; error?: string };
  /** UTC day (YYYY-MM-DD) of `recipientsAdded`, the new report addresses subscribed that day (recipient-quota.ts). */
  recipientsDay?: string;
  recipientsAdded?: number;
  version: number;
  gsi5pk?: string;
  gsi5sk?: string;
}

/**
 * Fields that place a row in time: its next slot after `after` and its entry in the due
 * index (removed when it never fires). Pure.
 */
export function plannedFields(
  row: { scheduleId: string; tenant: string },
  planning: Planning,
  automatic: AutomaticSchedule,
  after: number,
): Pick<UpdateSpec, 'set' | 'remove'> {
  const planned = JSON.stringify(patternsOf(planning, automatic));
  const next = nextSlot(planning, automatic, after);
  if (next === null) return { set: { planning, planned }, remove: ['nextRunAt', 'gsi5pk', 'gsi5sk'] };
  return { set: { planning, planned, nextRunAt: next, gsi5pk: DUE_PARTITION, gsi5sk: dueSortKey(next, row.tenant, row.scheduleId) } };
}

/** A new row: automatic planning, no report, first slot after `now`. Pure. */
export function newScheduleState(scheduleId: string, tenant: string, automatic: AutomaticSchedule, now: number): ScheduleState {
  const placed = plannedFields({ scheduleId, tenant }, { type: 'automatic' }, automatic, now);
  return {
    ...scheduleKey(tenant, scheduleId),
    scheduleId,
    tenant,
    report: { enabled: false, recipients: [] },
    version: 1,
    ...(placed.set as Pick<ScheduleState, 'planning' | 'planned' | 'nextRunAt' | 'gsi5pk' | 'gsi5sk'>),
  };
}

/** Bumps the version and holds the write to the version read, so concurrent changes cannot interleave. */
export function versioned(state: Pick<ScheduleState, 'version'>, spec: UpdateSpec): UpdateSpec {
  return {
    ...spec,
    set: { ...spec.set, version: state.version + 1 },
    condition: spec.condition ? `${spec.condition} AND #version = :version` : '#version = :version',
    values: { ...spec.values, ':version': state.version },
  };
}

/** Schedule rows, the catalog marker, the due index and per-viewer seen markers, over the one table. */
export class ScheduleStore {
  constructor(readonly table: JobStore) {}

  async get(tenant: string, scheduleId: string): Promise<ScheduleState | undefined> {
    return (await this.table.getItem(scheduleKey(tenant, scheduleId))) as ScheduleState | undefined;
  }

  async getMany(keys: ReadonlyArray<{ tenant: string; scheduleId: string }>): Promise<ScheduleState[]> {
    return (await this.table.getItems(keys.map((key) => scheduleKey(key.tenant, key.scheduleId)))) as unknown as ScheduleState[];
  }

  /** False when the row exists already (another process created it first). */
  async create(state: ScheduleState): Promise<boolean> {
    return this.table.putIfAbsent(state);
  }

  /** The row after the update, or null when it changed since it was read. */
  async update(state: Pick<ScheduleState, 'tenant' | 'scheduleId' | 'version'>, spec: UpdateSpec): Promise<ScheduleState | null> {
    return (await this.table.tryUpdateItem(scheduleKey(state.tenant, state.scheduleId), versioned(state, spec))) as ScheduleState | null;
  }

  /** An unversioned conditional update, for bookkeeping that must not lose a planning change's race. */
  async touch(tenant: string, scheduleId: string, spec: UpdateSpec): Promise<ScheduleState | null> {
    return (await this.table.tryUpdateItem(scheduleKey(tenant, scheduleId), spec)) as ScheduleState | null;
  }

  /** A page of rows in (tenant, id) order; `prefix` narrows to one tenant. */
  async page(options: { prefix?: string; startKey?: Record<string, unknown>; limit: number }) {
    const page = await this.table.queryPartition(SCHEDULE_PARTITION, options.prefix ?? '', {
      limit: options.limit,
      ...(options.startKey ? { startKey: options.startKey } : {}),
    });
    return { rows: page.items as unknown as ScheduleState[], lastKey: page.lastKey };
  }

  /** A page of keys of rows whose next slot is at or before `now`, earliest first. */
  async due(now: number, limit: number, startKey?: Record<string, unknown>) {
    const page = await this.table.queryIndex({
      index: 'gsi5',
      partition: DUE_PARTITION,
      between: dueRange(now),
      limit,
      ...(startKey ? { startKey } : {}),
    });
    const keys = page.keys.map((key) => scheduleOfSortKey(key.sk!));
    return { keys, lastKey: page.lastKey };
  }

  async catalogSignature(): Promise<string | undefined> {
    return (await this.table.getItem(scheduleCatalogKey, false))?.signature as string | undefined;
  }

  async saveCatalogSignature(signature: string): Promise<void> {
    await this.table.put({ ...scheduleCatalogKey, signature });
  }

  async markSeen(viewer: string, jobId: string, at: number, expiresAt: number): Promise<void> {
    await this.table.put({ ...seenKey(viewer, jobId), seenAt: at, expiresAt });
  }

  /** When `viewer` last opened each of these runs; runs never opened are absent. */
  async seen(viewer: string, jobIds: readonly string[]): Promise<Map<string, number>> {
    const items = await this.table.getItems([...new Set(jobIds)].map((jobId) => seenKey(viewer, jobId)));
    return new Map(items.map((item) => [item.sk as string, item.seenAt as number]));
  }

  /** Timestamp of a job's newest log line, or null when it has none. */
  async newestLogAt(jobId: string): Promise<number | null> {
    const page = await this.table.queryPartition(jobPartition(jobId), logPrefix, { limit: 1, ascending: false });
    return (page.items[0]?.ts as number | undefined) ?? null;
  }
}
