import { type Counted, CounterStore, jobKey, statsKey } from '@stint/core/store';
import { waitingMs } from '@stint/core';
import { itemId, type Item } from './index-entries.ts';

type StatsDelta = Parameters<CounterStore['applyStats']>[2];

/** The fields of a job item its statistics depend on. */
export interface CountedJob extends Counted {
  createDate: number;
  startDate?: number;
}

export type DerivedStats = Array<{ tenant: string; minute: number; delta: StatsDelta }>;

/** Catches the statistics a counter batch would write instead of writing them. */
class CollectedStats extends CounterStore {
  readonly stats: DerivedStats = [];

  // The summary cards are core's to recount (counter-reconcile.ts's recountWhileStopped).
  override async applySummary(): Promise<void> {}

  override async applyStats(tenant: string, minute: number, delta: StatsDelta): Promise<void> {
    this.stats.push({ tenant, minute, delta });
  }
}

/**
 * The statistics the existing jobs add up to, by replaying each job's creation and start
 * through core's own counter batch, so the minute semantics are the engine's, not restated.
 */
export async function deriveStats(jobs: Iterable<CountedJob>): Promise<DerivedStats> {
  const store = new CollectedStats(undefined as never, '');
  const batch = store.batch();
  for (const job of jobs) {
    batch.jobCreated(job, job.createDate);
    if (job.startDate !== undefined) {
      batch.jobStarted(job.tenant, job.startDate, waitingMs({ createDate: job.createDate, startDate: job.startDate, endDate: null }, job.startDate));
    }
  }
  await batch.flush();
  return store.stats;
}

export interface CounterCorrection {
  key: { pk: string; sk: string };
  set: Record<string, number>;
}

/**
 * The writes that raise statistics buckets to what the jobs show. A bucket also counts jobs
 * deleted since and starts of earlier runs of restarted jobs, which the items no longer
 * show, so a derived value is only a floor: a bucket is raised to it where a kill lost
 * deltas, never lowered. A lost delta in a minute that also had deletions can hide under them.
 */
export function statsCorrections(derived: DerivedStats, stored: ReadonlyMap<string, Item>): CounterCorrection[] {
  const corrections: CounterCorrection[] = [];
  for (const { tenant, minute, delta } of derived) {
    const key = statsKey(tenant, minute);
    const item = stored.get(itemId(key)) ?? {};
    const set: Record<string, number> = {};
    if (numberOf(item.created) < delta.created) set.created = delta.created;
    if (numberOf(item.waitCount) < delta.waitCount)
      Object.assign(set, { waitCount: delta.waitCount, waitSum: delta.waitSum, waitMin: delta.waitMin, waitMax: delta.waitMax });
    if (Object.keys(set).length > 0) corrections.push({ key, set: { ...set, t: minute } });
  }
  return corrections;
}

const numberOf = (value: unknown) => (typeof value === 'number' ? value : 0);

/** The job items among scanned ones, as the fields their statistics depend on. */
export function countedJobs(items: readonly Item[]): CountedJob[] {
  const jobs = jobKey('');
  return items.filter(
    (item) => item.sk === jobs.sk && typeof item.pk === 'string' && item.pk.startsWith(jobs.pk) && typeof item.status === 'string',
  ) as unknown as CountedJob[];
}
