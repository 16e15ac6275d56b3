import { type Counted, CounterStore, counterShards, jobKey, statsKey } from '@stint/core/store';
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
 * A minute's bucket is spread over the tenant's counter shards: they are added up, and shard 0
 * is raised by what they lack.
 */
export function statsCorrections(derived: DerivedStats, stored: ReadonlyMap<string, Item>): CounterCorrection[] {
  const corrections: CounterCorrection[] = [];
  for (const { tenant, minute, delta } of derived) {
    const shards = counterShards.map((shard) => stored.get(itemId(statsKey(tenant, minute, shard))) ?? {});
    const sum = (attr: string) => shards.reduce((n, item) => n + numberOf(item[attr]), 0);
    const first = shards[0]!;
    const raise = (attr: 'created' | 'waitCount' | 'waitSum', to: number) => ({ [attr]: numberOf(first[attr]) + to - sum(attr) });
    const set: Record<string, number> = {};
    if (sum('created') < delta.created) Object.assign(set, raise('created', delta.created));
    if (sum('waitCount') < delta.waitCount) {
      Object.assign(set, raise('waitCount', delta.waitCount), raise('waitSum', delta.waitSum), { waitMin: delta.waitMin, waitMax: delta.waitMax });
    }
    if (Object.keys(set).length > 0) corrections.push({ key: statsKey(tenant, minute, 0), set: { ...set, t: minute } });
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
