import * as z from 'zod';
import { BadRequestError, isThrottled } from '../errors.ts';
import type { JobStore } from '../store/job-store.ts';
import type { TableGateway } from '../store/table-gateway.ts';
import { counterShards, LISTINGS, statsPartition, statsRange, summaryKey, type Listing } from '../store/table-keys.ts';
import { boolParam, msParam, parseParams } from './param-schemas.ts';

export type StatsInterval = 'minute' | 'hour' | 'day';

export interface StatsPoint {
  /** Start of the interval, ms since the epoch (UTC). */
  t: number;
  created: number;
  /** Null when no job started in the interval. */
  avgWaitingMs: number | null;
  minWaitingMs: number | null;
  maxWaitingMs: number | null;
}

export interface StatsResult {
  points: StatsPoint[];
  totals: Omit<StatsPoint, 't'>;
  /** Some tenant's buckets could not be read (DynamoDB throttled them): the figures leave them out. */
  degraded?: true;
}

export interface Summary {
  total: number;
  active: number;
  completed: number;
  failed: number;
  canceled: number;
}

/** Cards as read: `degraded` when some tenant's counters could not be read (throttled) and are left out. */
export type SummaryRead = Summary & { degraded?: true };

const STEP: Record<StatsInterval, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/**
 * Longest range per interval. Only minute buckets are stored, so a range costs one item per
 * active minute: these caps keep a request within ~130k small items (~13 Query pages). Longer
 * day ranges need hour/day rollup items maintained on write.
 */
export const MAX_RANGE_MS: Record<StatsInterval, number> = {
  minute: 2 * STEP.day,
  hour: 31 * STEP.day,
  day: 92 * STEP.day,
};

interface Bucket {
  t: number;
  created?: number;
  waitCount?: number;
  waitSum?: number;
  waitMin?: number;
  waitMax?: number;
}

/**
 * Statistics of one tenant (`*` = all tenants) from the per-minute buckets the counters write,
 * rolled up into minute, hour or day points (UTC). Every interval of the range has a point,
 * and points cover whole intervals: the range widens to the start of `from`'s interval so the
 * first point is not a partial hour or day. `to` beyond `now` is cut to `now`.
 */
/**
 * Counters are kept per tenant only (a shared all-tenants item would cost two more writes per
 * job); an admin's view reads each tenant's buckets and adds them up. A tenant's buckets are
 * spread over its counter shards: one Query per shard, in parallel, each minute added up.
 */
export async function readStats(
  store: TableGateway,
  tenants: string | readonly string[],
  options: { from: number; to: number; interval: StatsInterval },
  now: number,
): Promise<StatsResult> {
  const { interval } = options;
  if (!Object.hasOwn(STEP, interval)) throw new BadRequestError(`interval must be minute, hour or day; got ${JSON.stringify(interval)}`, 'interval');
  const step = STEP[interval];
  const to = Math.min(options.to, now);
  if (options.from > to) throw new BadRequestError(`from must not be after to or now (${to}); got ${options.from}`, 'from');
  if (to - options.from > MAX_RANGE_MS[interval]) {
    const days = MAX_RANGE_MS[interval] / STEP.day;
    throw new BadRequestError(
      `from must be at most ${days} days before to for ${interval} points (shorten the range or use a longer interval); got ${((to - options.from) / STEP.day).toFixed(1)} days`,
      'from',
    );
  }
  const first = Math.floor(options.from / step) * step;
  const last = Math.floor(to / step) * step;
  const points = new Map<number, Acc>();
  for (let t = first; t <= last; t += step) points.set(t, newAcc());
  const totals = newAcc();
  let degraded = false;
  for (const tenant of [tenants].flat()) {
    try {
      const shards = await Promise.all(counterShards.map((shard) => readBuckets(store, statsPartition(tenant, shard), [first, to])));
      for (const item of shards.flat()) {
        const acc = points.get(Math.floor(item.t / step) * step);
        if (acc === undefined) continue;
        add(acc, item);
        add(totals, item);
      }
    } catch (error) {
      // A tenant busy enough to throttle its own partition keeps the chart from answering at all otherwise.
      if (!isThrottled(error)) throw error;
      degraded = true;
    }
  }
  return { points: [...points].map(([t, acc]) => ({ t, ...finish(acc) })), totals: finish(totals), ...(degraded ? { degraded: true as const } : {}) };
}

async function readBuckets(store: TableGateway, pk: string, [first, to]: [number, number]): Promise<Bucket[]> {
  const [lo, hi] = statsRange(first, to);
  const buckets = await store.queryAll({
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
    ExpressionAttributeValues: { ':pk': pk, ':lo': lo, ':hi': hi },
  });
  return buckets as unknown as Bucket[];
}

interface Acc {
  created: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

const newAcc = (): Acc => ({ created: 0, count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY });

function add(acc: Acc, bucket: Bucket): void {
  acc.created += bucket.created ?? 0;
  const count = bucket.waitCount ?? 0;
  if (count === 0) return;
  acc.count += count;
  acc.sum += bucket.waitSum ?? 0;
  if (bucket.waitMin !== undefined) acc.min = Math.min(acc.min, bucket.waitMin);
  if (bucket.waitMax !== undefined) acc.max = Math.max(acc.max, bucket.waitMax);
}

function finish(acc: Acc): Omit<StatsPoint, 't'> {
  if (acc.count === 0) return { created: acc.created, avgWaitingMs: null, minWaitingMs: null, maxWaitingMs: null };
  return {
    created: acc.created,
    avgWaitingMs: Math.round(acc.sum / acc.count),
    minWaitingMs: Number.isFinite(acc.min) ? acc.min : null,
    maxWaitingMs: Number.isFinite(acc.max) ? acc.max : null,
  };
}

/** The summary's query: which listings to add up, named as the jobs list names them. */
export const summaryQuerySchema = z.strictObject({ system: boolParam, children: boolParam }).partial();

/** Which listings' cards to add up: like the jobs list, root user jobs unless asked for more. */
export function summaryListings(options: { system?: boolean; children?: boolean } = {}): Listing[] {
  return LISTINGS.filter((listing) => (options.system || !listing.system) && (options.children || !listing.child));
}

/**
 * The summary cards of some tenants and listings (each one's counter shards added up); zeros
 * before the first job. Sums are shown as they are: a negative count is drift the reconcile
 * has yet to correct, and hiding it would hide the defect (one shard alone may well be
 * negative: a job counted created on one shard can end on another). A tenant whose counter
 * items DynamoDB throttles (after the SDK's retries) is left out and the cards say
 * `degraded`, rather than the page failing.
 */
export async function readSummary(
  store: JobStore,
  tenants: string | readonly string[],
  listings: readonly Listing[] = summaryListings(),
): Promise<SummaryRead> {
  const keysOf = (tenant: string) => listings.flatMap((listing) => counterShards.map((shard) => summaryKey(tenant, listing, shard)));
  let items: Array<Record<string, unknown>>;
  let degraded = false;
  try {
    items = await store.getItems([tenants].flat().flatMap(keysOf));
  } catch (error) {
    if (!isThrottled(error)) throw error;
    // One hot tenant throttles the whole batch: read tenant by tenant and keep what answers.
    const read = await Promise.allSettled([tenants].flat().map((tenant) => store.getItems(keysOf(tenant))));
    const failure = read.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !isThrottled(r.reason));
    if (failure) throw failure.reason;
    items = read.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    degraded = true;
  }
  const n = (k: keyof Summary) => items.reduce((sum, item) => sum + (typeof item[k] === 'number' ? (item[k] as number) : 0), 0);
  return {
    total: n('total'),
    active: n('active'),
    completed: n('completed'),
    failed: n('failed'),
    canceled: n('canceled'),
    ...(degraded ? { degraded: true as const } : {}),
  };
}

export const statsQuerySchema = z
  .strictObject({ from: msParam, to: msParam, interval: z.enum(['minute', 'hour', 'day'], { error: 'must be minute, hour or day' }) })
  .partial();

/** Query-string form of readStats' options; defaults to the last 24 hours by hour. */
export function parseStatsQuery(params: Record<string, string>, now: number): { from: number; to: number; interval: StatsInterval } {
  const p = parseParams(statsQuerySchema, params, Object.keys(statsQuerySchema.shape));
  const interval = p.interval ?? 'hour';
  const to = p.to ?? now;
  return { from: p.from ?? to - STEP.day, to, interval };
}
