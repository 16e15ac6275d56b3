import type { EventWait } from '../job.ts';
import type { JobRecord } from '../job-record.ts';
import { delayedPartition, delayedSortKey } from '../store/table-keys.ts';
import type { UpdateSpec } from '../store/update-expression.ts';
import type { EngineContext } from './context.ts';
import { readySpec } from './dispatch-specs.ts';
import { merge, releaseLease } from './transitions.ts';

/**
 * Two kinds of job wait in the delayed set (gsi5 `N#<shard>`, due first), which no dispatcher
 * reads, so they hold no worker and no slot of their root: a job submitted with a later
 * `runAt` (PENDING; a child submitted with `parentId` goes there once its parent has counted
 * it, adoption.ts), and a running job in a durable sleep (RUNNING with `sleepingUntil`,
 * job-run.ts). The sweeper reads the entries that are due and makes each job ready: lane
 * touched first, then one write conditional on the job still being in the delayed set, so two
 * sweepers, a wake-up message (`wakeLater`) or a stop meanwhile change it once. A crash
 * between the two leaves the job delayed and due, and the next sweep does it again; a lane
 * touched for nothing empties after its grace (dispatcher.ts).
 */
export async function startDelayed(ctx: EngineContext, record: JobRecord): Promise<JobRecord | null> {
  return ctx.dispatcher.makeReady(record, {
    remove: ['sleepingUntil', 'eventWait'],
    condition: '(#status = :pending OR #status = :running) AND #gsi5pk = :delayed',
    values: { ':pending': 'PENDING', ':running': 'RUNNING', ':delayed': delayedPartition(record.id) },
  });
}

/** When a delayed job is due: the end of its sleep, or its `runAt`. */
export function dueAt(record: Pick<JobRecord, 'sleepingUntil' | 'eventWait' | 'runAt'>): number {
  return record.sleepingUntil ?? record.eventWait?.until ?? record.runAt ?? 0;
}

/**
 * Update parts that park a running job until `until`, lease released, in the delayed set: a
 * sleep (`sleepingUntil`), or a wait for an event (`eventWait`) that times out then.
 */
export function sleepSpec(record: Pick<JobRecord, 'id'>, until: number, eventWait?: EventWait): UpdateSpec {
  return merge(releaseLease, {
    set: { ...(eventWait ? { eventWait } : { sleepingUntil: until }), gsi5pk: delayedPartition(record.id), gsi5sk: delayedSortKey(until, record.id) },
    remove: ['dispatchedAt'],
  });
}

/** SQS holds a message back for at most this long. */
const MAX_MESSAGE_DELAY_MS = 900_000;

/**
 * A wake-up for a job that is due within SQS's longest delay: a work message held back until
 * then, which the worker turns into `startDelayed` (slice-runner.ts). Only a shortcut — the
 * sweeper wakes the job anyway when the message is lost — so a failed send is not an error.
 */
export async function wakeLater(ctx: EngineContext, record: JobRecord): Promise<void> {
  const ms = dueAt(record) - ctx.deps.clock();
  if (ms <= MAX_MESSAGE_DELAY_MS) await ctx.dispatcher.send(record, Math.max(1, ms / 1000));
}

/**
 * Where a job that goes back to waiting (a resume) waits: the delayed set while its `runAt` is
 * still ahead, otherwise its ready set.
 */
export function waitingSpec(record: JobRecord, now: number): { spec: UpdateSpec; delayed: boolean } {
  if (record.runAt !== undefined && record.runAt > now) {
    return { spec: { set: { gsi5pk: delayedPartition(record.id), gsi5sk: delayedSortKey(record.runAt, record.id) }, remove: ['dispatchedAt'] }, delayed: true };
  }
  return { spec: readySpec(record, now), delayed: false };
}
