import { CounterStore } from '@stint/core/counter-store';
import { waitingMs, type JobStatus } from '@stint/core/job';
import { SUMMARY_BUCKETS, summaryBucket, type SummaryBucket } from '@stint/core/job-record';
import { jobKey, statsKey, summaryKey } from '@stint/core/table-keys';
import { itemId, type Item } from './index-entries.ts';

export type SummaryField = SummaryBucket | 'total';
export const SUMMARY_FIELDS: readonly SummaryField[] = ['total', ...SUMMARY_BUCKETS];

type StatsDelta = Parameters<CounterStore['applyStats']>[2];

/** The fields of a job item its counters depend on. */
export interface CountedJob {
  tenant: string;
  status: JobStatus;
  hasErrors: boolean;
  createDate: number;
  startDate?: number;
}

export interface DerivedCounters {
  summaries: Map<string, Partial<Record<SummaryField, number>>>;
  stats: Array<{ tenant: string; minute: number; delta: StatsDelta }>;
}

/** Catches what a counter batch would write instead of writing it. */
class CollectedCounters extends CounterStore {
  readonly summaries = new Map<string, Partial<Record<SummaryField, number>>>();
  readonly stats: DerivedCounters['stats'] = [];

  override async applySummary(tenant: string, deltas: Partial<Record<SummaryField, number>>): Promise<void> {
    this.summaries.set(tenant, deltas);
  }

  override async applyStats(tenant: string, minute: number, delta: StatsDelta): Promise<void> {
    this.stats.push({ tenant, minute, delta });
  }
}

/**
 * The counters the existing jobs add up to, by replaying each job's life through core's own
 * counter batch (created, started, moved to its bucket), so the bucket and minute semantics
 * are the engine's, not restated here.
 */
export async function deriveCounters(jobs: Iterable<CountedJob>): Promise<DerivedCounters> {
  const store = new CollectedCounters(undefined as never, '');
  const batch = store.batch();
  for (const job of jobs) {
    batch.jobCreated(job.tenant, job.createDate);
    batch.bucketMoved(job.tenant, 'active', summaryBucket(job.status, job.hasErrors));
    if (job.startDate !== undefined) {
      batch.jobStarted(job.tenant, job.startDate, waitingMs({ createDate: job.createDate, startDate: job.startDate, endDate: null }, job.startDate));
    }
  }
  await batch.flush();
  return { summaries: store.summaries, stats: store.stats };
}

export interface CounterCorrection {
  key: { pk: string; sk: string };
  set: Record<string, number>;
}

/**
 * The writes that make stored counters agree with the jobs.
 *
 * Summary cards count the jobs that exist, so they are set to the derived counts exactly
 * (a tenant whose jobs were all deleted goes to zeros; a negative count cannot survive).
 *
 * Statistics buckets also count jobs deleted since and starts of earlier runs of restarted
 * jobs, which the items no longer show, so a derived value is only a floor: a bucket is
 * raised to it where a kill lost deltas, never lowered. A lost delta in a minute that also
 * had deletions can hide under them.
 */
export function counterCorrections(derived: DerivedCounters, stored: ReadonlyMap<string, Item>): CounterCorrection[] {
  const corrections: CounterCorrection[] = [];
  const tenants = new Set(derived.summaries.keys());
  const summaries = summaryKey('');
  for (const item of stored.values()) if (item.sk === summaries.sk && typeof item.pk === 'string') tenants.add(item.pk.slice(summaries.pk.length));
  for (const tenant of tenants) {
    const key = summaryKey(tenant);
    const counts = derived.summaries.get(tenant) ?? {};
    const item = stored.get(itemId(key)) ?? {};
    const set = Object.fromEntries(SUMMARY_FIELDS.map((field) => [field, counts[field] ?? 0]));
    if (SUMMARY_FIELDS.some((field) => item[field] !== set[field])) corrections.push({ key, set });
  }
  for (const { tenant, minute, delta } of derived.stats) {
    const key = statsKey(tenant, minute);
    const item = stored.get(itemId(key)) ?? {};
    const set: Record<string, number> = {};
    if (numberOf(item.created) < delta.created) set.created = delta.created;
    if (numberOf(item.waitCount) < delta.waitCount) Object.assign(set, { waitCount: delta.waitCount, waitSum: delta.waitSum, waitMin: delta.waitMin, waitMax: delta.waitMax });
    if (Object.keys(set).length > 0) corrections.push({ key, set: { ...set, t: minute } });
  }
  return corrections;
}

const numberOf = (value: unknown) => (typeof value === 'number' ? value : 0);

/** The job items among scanned ones, as the fields their counters depend on. */
export function countedJobs(items: readonly Item[]): CountedJob[] {
  const jobs = jobKey('');
  return items.filter(
    (item) => item.sk === jobs.sk && typeof item.pk === 'string' && item.pk.startsWith(jobs.pk) && typeof item.status === 'string',
  ) as unknown as CountedJob[];
}
