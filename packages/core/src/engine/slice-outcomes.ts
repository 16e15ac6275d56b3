import type { CounterBatch } from '../counter-store.ts';
import { LeaseLostError } from '../errors.ts';
import type { JobRecord } from '../job-record.ts';
import { parkedPartition } from '../table-keys.ts';
import { jobEnded } from './children.ts';
import { expiresAt, type EngineDeps } from './deps.ts';
import type { Dispatcher } from './dispatcher.ts';
import { atVersion, endSpec, holdsLease, merge, releaseLease } from './transitions.ts';

export interface FinishFields {
  results?: Record<string, unknown> | undefined;
  resultFile?: string | undefined;
  progress?: number;
  hasErrors?: boolean;
  error?: string;
}

/**
 * The job's own run ended. It is FINISHED only when its children have ended too; otherwise it
 * parks as `done` and the last child to end finishes it. Conditional on the lease: a worker
 * whose lease was revoked (force stop) cannot finish the job.
 */
export async function finishOrPark(
  deps: EngineDeps,
  dispatcher: Dispatcher,
  counters: CounterBatch,
  record: JobRecord,
  epoch: number,
  fields: FinishFields,
): Promise<'finished' | 'parked'> {
  const now = deps.clock();
  const set = {
    ...(fields.results !== undefined ? { results: fields.results } : {}),
    ...(fields.resultFile !== undefined ? { resultFile: fields.resultFile } : {}),
    ...(fields.progress !== undefined ? { progress: fields.progress } : {}),
    ...(fields.hasErrors ? { hasErrors: true } : {}),
    ...(fields.error !== undefined ? { error: fields.error.slice(0, 2_000) } : {}),
  };
  const finished = await deps.jobs.tryUpdate(
    record.id,
    merge(holdsLease(epoch), endSpec(record, 'FINISHED', now, expiresAt(deps, now)), {
      set,
      condition: '#childrenDone >= #childrenTotal',
    }),
  );
  if (finished) {
    await jobEnded(deps, dispatcher, counters, finished);
    return 'finished';
  }
  const parked = await deps.jobs.tryUpdate(
    record.id,
    merge(holdsLease(epoch), releaseLease, {
      set: { ...set, parked: 'done', gsi5pk: parkedPartition(record.id), gsi5sk: record.id },
      remove: ['dispatchedAt'],
      condition: '#childrenDone < #childrenTotal',
    }),
  );
  if (parked) return 'parked';
  // Neither held: either the lease is gone, or the last child ended between the two writes.
  const current = await deps.jobs.get(record.id);
  if (current && current.leaseEpoch === epoch && (current.status === 'RUNNING' || current.status === 'STOPPING')) {
    return finishOrPark(deps, dispatcher, counters, current, epoch, fields);
  }
  throw new LeaseLostError(record.id);
}

/**
 * Ends a slice or a dispatched job as STOPPED (or CANCELED when a cancel was asked while it
 * ran). With `epoch` the write requires the lease; without, the job's version.
 */
export async function stopNow(
  deps: EngineDeps,
  dispatcher: Dispatcher,
  counters: CounterBatch,
  record: JobRecord,
  epoch?: number,
): Promise<boolean> {
  const now = deps.clock();
  const status = record.cancelRequested ? 'CANCELED' : 'STOPPED';
  const stopped = await deps.jobs.tryUpdate(
    record.id,
    merge(epoch === undefined ? atVersion(record.version) : holdsLease(epoch), endSpec(record, status, now, status === 'CANCELED' ? expiresAt(deps, now) : undefined), {
      remove: ['cancelRequested'],
    }),
  );
  if (!stopped) return false;
  if (status === 'CANCELED') {
    await deps.checkpoints.clear(record.id);
    await jobEnded(deps, dispatcher, counters, stopped);
  }
  return true;
}
