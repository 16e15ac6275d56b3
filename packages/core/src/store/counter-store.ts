import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SummaryBucket } from '../job-record.ts';
import { COUNTER_SHARDS, listingOf, minuteOf, statsKey, summaryKey, type Listing } from './table-keys.ts';
import { TableGateway } from './table-gateway.ts';

interface StatsDelta {
  created: number;
  waitCount: number;
  waitSum: number;
  waitMin: number;
  waitMax: number;
}

/** A job as the counters see it: whose, and which listing its cards belong to. */
export type Counted = { tenant: string; system: boolean; parentId?: string | null | undefined };

export type SummaryDeltas = Partial<Record<SummaryBucket | 'total', number>>;

/**
 * Summary cards and statistics buckets, maintained on write. Deltas gather in a batch and
 * are written once per item when it flushes (end of an api request, end of a worker batch),
 * so a batch of ten slices costs one counter write per tenant rather than ten.
 *
 * Cards are kept per tenant and listing (root user jobs, their children, system jobs, theirs),
 * so the cards can count what the list shows. Counters are updated after the job writes they
 * describe, so a crash loses every delta buffered in flight (DynamoDB has no cross-item
 * atomicity without transactions, which dynalite lacks and which cost twice as much): each
 * delta write bumps the item's `version` and `updatedAt`, and counter-reconcile.ts re-derives
 * the cards from the job items once a listing has been quiet long enough for no delta to be
 * in flight.
 *
 * A tenant's counters are sharded (table-keys.ts `COUNTER_SHARDS`): each flush writes all of a
 * tenant's deltas to one shard, so a flush still costs one write per item, and a busy tenant's
 * flushes spread over the shards instead of queueing on one partition key. A process takes each
 * tenant's shards in turn from a random start (`rotatingShards`): evenly over any 8 flushes,
 * where a random pick per flush leaves a few shards with twice their share over a short run.
 */
/**
 * Each tenant's shards in turn, from a random start per tenant and process. A warm worker can
 * serve tenants for hours, so the places kept are bounded: past `remembered` tenants they are
 * forgotten and each tenant starts again from a random shard, which only costs that flush's
 * evenness.
 */
export function rotatingShards(random: () => number = Math.random, remembered = 10_000): (tenant: string) => number {
  const next = new Map<string, number>();
  return (tenant) => {
    if (next.size >= remembered && !next.has(tenant)) next.clear();
    const shard = next.get(tenant) ?? Math.floor(random() * COUNTER_SHARDS);
    next.set(tenant, (shard + 1) % COUNTER_SHARDS);
    return shard;
  };
}

export class CounterStore {
  readonly #table: TableGateway;

  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    readonly clock: () => number = Date.now,
    /** Which shard a flush writes a tenant's deltas to. */
    readonly pickShard: (tenant: string) => number = rotatingShards(),
  ) {
    this.#table = new TableGateway(client, tableName);
  }

  batch(): CounterBatch {
    return new CounterBatch(this);
  }

  async applySummary(tenant: string, listing: Listing, deltas: SummaryDeltas, shard: number): Promise<void> {
    const add = Object.fromEntries(Object.entries(deltas).filter(([, v]) => v !== 0)) as Record<string, number>;
    if (Object.keys(add).length === 0) return;
    await this.#table.update(summaryKey(tenant, listing, shard), { add: { ...add, version: 1 }, set: { updatedAt: this.clock() } });
  }

  async applyStats(tenant: string, minute: number, delta: StatsDelta, shard: number): Promise<void> {
    const key = statsKey(tenant, minute, shard);
    const add: Record<string, number> = { created: delta.created, waitCount: delta.waitCount, waitSum: delta.waitSum };
    if (delta.waitCount === 0) {
      await this.#table.update(key, { add, set: { t: minute } });
      return;
    }
    // UpdateExpression has no min()/max(); extremes change rarely, so a second conditional write
    // is only sent when this batch beat the stored one.
    const stored = (await this.#table.update(key, { add, set: { t: minute } }, true)) ?? {};
    if (stored.waitMin === undefined || delta.waitMin < (stored.waitMin as number)) {
      await this.#setIf(key, 'waitMin', delta.waitMin, 'attribute_not_exists(#waitMin) OR #waitMin > :value');
    }
    if (stored.waitMax === undefined || delta.waitMax > (stored.waitMax as number)) {
      await this.#setIf(key, 'waitMax', delta.waitMax, 'attribute_not_exists(#waitMax) OR #waitMax < :value');
    }
  }

  /** Losing the condition means another batch stored a more extreme value: nothing to do. */
  async #setIf(key: { pk: string; sk: string }, attr: string, value: number, condition: string) {
    await this.#table.tryUpdateItem(key, { set: { [attr]: value }, condition, values: { ':value': value } });
  }
}

export class CounterBatch {
  readonly #summary = new Map<string, { tenant: string; listing: Listing; deltas: SummaryDeltas }>();
  readonly #stats = new Map<string, { tenant: string; minute: number; delta: StatsDelta }>();

  constructor(readonly store: CounterStore) {}

  jobCreated(job: Counted, createDate: number): void {
    this.#summaryAdd(job, 'total', 1);
    this.#summaryAdd(job, 'active', 1);
    this.#statsAdd(job.tenant, createDate, { created: 1 });
  }

  jobStarted(tenant: string, startDate: number, waitingMs: number): void {
    this.#statsAdd(tenant, startDate, { waitCount: 1, waitSum: waitingMs, waitMin: waitingMs, waitMax: waitingMs });
  }

  bucketMoved(job: Counted, from: SummaryBucket, to: SummaryBucket): void {
    if (from === to) return;
    this.#summaryAdd(job, from, -1);
    this.#summaryAdd(job, to, 1);
  }

  jobDeleted(job: Counted, bucket: SummaryBucket): void {
    this.#summaryAdd(job, 'total', -1);
    this.#summaryAdd(job, bucket, -1);
  }

  /** Nothing to write: a crash before this batch's flush would lose nothing. */
  get empty(): boolean {
    return this.#summary.size === 0 && this.#stats.size === 0;
  }

  async flush(): Promise<void> {
    const summary = [...this.#summary.values()];
    const stats = [...this.#stats.values()];
    this.#summary.clear();
    this.#stats.clear();
    if (summary.length === 0 && stats.length === 0) return;
    const shards = new Map<string, number>();
    const shardOf = (tenant: string) => shards.get(tenant) ?? shards.set(tenant, this.store.pickShard(tenant)).get(tenant)!;
    await Promise.all([
      ...summary.map((s) => this.store.applySummary(s.tenant, s.listing, s.deltas, shardOf(s.tenant))),
      ...stats.map((s) => this.store.applyStats(s.tenant, s.minute, s.delta, shardOf(s.tenant))),
    ]);
  }

  #summaryAdd(job: Counted, field: SummaryBucket | 'total', delta: number) {
    const listing = listingOf(job);
    const id = `${job.tenant}|${listing.system}|${listing.child}`;
    const entry = this.#summary.get(id) ?? { tenant: job.tenant, listing, deltas: {} };
    entry.deltas[field] = (entry.deltas[field] ?? 0) + delta;
    this.#summary.set(id, entry);
  }

  #statsAdd(tenant: string, at: number, delta: Partial<StatsDelta>) {
    const minute = minuteOf(at);
    const id = `${tenant}|${minute}`;
    const entry = this.#stats.get(id) ?? {
      tenant,
      minute,
      delta: { created: 0, waitCount: 0, waitSum: 0, waitMin: Number.POSITIVE_INFINITY, waitMax: 0 },
    };
    entry.delta.created += delta.created ?? 0;
    entry.delta.waitCount += delta.waitCount ?? 0;
    entry.delta.waitSum += delta.waitSum ?? 0;
    if (delta.waitMin !== undefined) entry.delta.waitMin = Math.min(entry.delta.waitMin, delta.waitMin);
    if (delta.waitMax !== undefined) entry.delta.waitMax = Math.max(entry.delta.waitMax, delta.waitMax);
    this.#stats.set(id, entry);
  }
}
