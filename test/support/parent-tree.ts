import type { JobStatus } from '@stint/core';
import type { EngineDeps } from '@stint/core/engine/deps';
import type { JobRecord } from '@stint/core/job-record';
import { childJobId, newJobId } from '@stint/core/new-job';
import { parkedPartition, statusIndexKeys } from '@stint/core/store/table-keys';
import { jobItem } from './job-items.ts';

export interface ParentState {
  run?: number;
  childrenTotal: number;
  childrenDone: number;
  parked?: 'waiting' | 'done';
  hasErrors?: boolean;
  recounts?: number;
  status?: JobStatus;
  /** Spawns the parent counted (set by its flush, so exact); children adopted it counted. */
  spawned?: number;
  adopted?: number;
}

export interface ChildState {
  status: JobStatus;
  /** The parent's run it belongs to; `null` writes a child with no `parentRun` at all. */
  run?: number | null;
  hasErrors?: boolean;
  adopting?: boolean;
  /** Submitted with this parent as its `parentId` (no spawn position), not spawned. */
  adopted?: boolean;
  seq?: number;
  results?: Record<string, unknown>;
  /** Milliseconds after the test's `now` it was created. */
  createdAfter?: number;
}

/**
 * Places parents and their children directly in the state a case needs, timed from the
 * test's clock: a parent created 10 s ago, its children 8 s ago in spawn order.
 */
export function treePlacer(deps: () => EngineDeps, clock: () => number) {
  async function placeParent(state: ParentState, extra: Partial<JobRecord> = {}): Promise<JobRecord> {
    const now = clock();
    const id = newJobId(now);
    const base = jobItem({ id, createDate: now - 10_000 });
    const status = state.status ?? 'RUNNING';
    const ended = status === 'FINISHED' || status === 'CANCELED' || status === 'STOPPED';
    const record: JobRecord = {
      ...base,
      status,
      ...statusIndexKeys(base, status),
      startDate: now - 9_000,
      ...(ended ? { endDate: now - 1_000 } : {}),
      run: state.run ?? 0,
      childrenTotal: state.childrenTotal,
      childrenDone: state.childrenDone,
      hasErrors: state.hasErrors ?? false,
      ...(state.recounts !== undefined ? { recounts: state.recounts } : {}),
      ...(state.spawned !== undefined ? { spawned: state.spawned } : {}),
      ...(state.adopted !== undefined ? { adopted: state.adopted } : {}),
      ...(state.parked ? { parked: state.parked, parkedAt: now - 5_000, childrenChangedAt: now - 5_000, gsi5pk: parkedPartition(id), gsi5sk: id } : {}),
      ...extra,
    };
    await deps().jobs.create(record);
    return record;
  }

  async function placeChild(parent: JobRecord, state: ChildState, index: number): Promise<JobRecord> {
    const now = clock();
    const run = state.run === undefined ? parent.run : state.run;
    const seq = state.seq ?? index + 1;
    const id = childJobId(parent.id, run ?? 0, seq) + (state.adopting ? 'a' : '') + (run === null ? 'n' : '');
    const base = jobItem({
      id,
      parentId: parent.id,
      rootId: parent.rootId,
      createDate: now - 8_000 + (state.createdAfter ?? index),
      ...(run === null
        ? {}
        : { spawn: { parentRun: run, ...(state.adopted || (state.seq === undefined && state.createdAfter !== undefined) ? {} : { seq }) } }),
    });
    const ended = state.status === 'FINISHED' || state.status === 'CANCELED';
    const record: JobRecord = {
      ...base,
      status: state.status,
      ...statusIndexKeys(base, state.status),
      ...(state.status !== 'PENDING' ? { startDate: now - 7_000 } : {}),
      ...(ended ? { endDate: now - 6_000 } : {}),
      hasErrors: state.hasErrors ?? false,
      ...(state.adopting ? { adopting: true } : {}),
      ...(state.results ? { results: state.results } : {}),
    };
    await deps().jobs.create(record);
    return record;
  }

  return { placeParent, placeChild };
}
