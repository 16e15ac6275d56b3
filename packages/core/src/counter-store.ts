import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from './errors.ts';
import type { SummaryBucket } from './job-record.ts';
import { minuteOf, statsKey, summaryKey } from './table-keys.ts';
import { buildUpdate } from './update-expression.ts';

interface StatsDelta {
  created: number;
  waitCount: number;
  waitSum: number;
  waitMin: number;
  waitMax: number;
}

/**
 * Summary cards and statistics buckets, maintained on write. Deltas gather in a batch and
 * are written once per item when it flushes (end of an api request, end of a worker batch),
 * so a batch of ten slices costs one counter write per tenant rather than ten.
 *
 * Counters are updated after the job write they describe; a crash between the two loses
 * that delta (DynamoDB has no cross-item atomicity without transactions, which dynalite
 * lacks and which cost twice as much). The drift is bounded by crashes, not by load.
 */
export class CounterStore {
  constructor(
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  batch(): CounterBatch {
    return new CounterBatch(this);
  }

  async applySummary(tenant: string, deltas: Partial<Record<SummaryBucket | 'total', number>>): Promise<void> {
    const add = Object.fromEntries(Object.entries(deltas).filter(([, v]) => v !== 0)) as Record<string, number>;
    if (Object.keys(add).length === 0) return;
    await this.client.send(new UpdateCommand({ TableName: this.tableName, Key: summaryKey(tenant), ...buildUpdate({ add }) }));
  }

  async applyStats(tenant: string, minute: number, delta: StatsDelta): Promise<void> {
    const key = statsKey(tenant, minute);
    const add: Record<string, number> = { created: delta.created, waitCount: delta.waitCount, waitSum: delta.waitSum };
    if (delta.waitCount === 0) {
      await this.client.send(new UpdateCommand({ TableName: this.tableName, Key: key, ...buildUpdate({ add, set: { t: minute } }) }));
      return;
    }
    const out = await this.client.send(
      new UpdateCommand({ TableName: this.tableName, Key: key, ...buildUpdate({ add, set: { t: minute } }), ReturnValues: 'ALL_NEW' }),
    );
    // UpdateExpression has no min()/max(); extremes change rarely, so a second conditional write
    // is only sent when this batch beat the stored one.
    const stored = out.Attributes ?? {};
    if (stored.waitMin === undefined || delta.waitMin < (stored.waitMin as number)) {
      await this.#setIf(key, 'waitMin', delta.waitMin, 'attribute_not_exists(#waitMin) OR #waitMin > :value');
    }
    if (stored.waitMax === undefined || delta.waitMax > (stored.waitMax as number)) {
      await this.#setIf(key, 'waitMax', delta.waitMax, 'attribute_not_exists(#waitMax) OR #waitMax < :value');
    }
  }

  async #setIf(key: { pk: string; sk: string }, attr: string, value: number, condition: string) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          ...buildUpdate({ set: { [attr]: value }, condition, values: { ':value': value } }),
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}

export class CounterBatch {
  readonly #summary = new Map<string, Partial<Record<SummaryBucket | 'total', number>>>();
  readonly #stats = new Map<string, { tenant: string; minute: number; delta: StatsDelta }>();

  constructor(readonly store: CounterStore) {}

  jobCreated(tenant: string, createDate: number): void {
    this.#summaryAdd(tenant, 'total', 1);
    this.#summaryAdd(tenant, 'active', 1);
    this.#statsAdd(tenant, createDate, { created: 1 });
  }

  jobStarted(tenant: string, startDate: number, waitingMs: number): void {
    this.#statsAdd(tenant, startDate, { waitCount: 1, waitSum: waitingMs, waitMin: waitingMs, waitMax: waitingMs });
  }

  bucketMoved(tenant: string, from: SummaryBucket, to: SummaryBucket): void {
    if (from === to) return;
    this.#summaryAdd(tenant, from, -1);
    this.#summaryAdd(tenant, to, 1);
  }

  jobDeleted(tenant: string, bucket: SummaryBucket): void {
    this.#summaryAdd(tenant, 'total', -1);
    this.#summaryAdd(tenant, bucket, -1);
  }

  async flush(): Promise<void> {
    const summary = [...this.#summary.entries()];
    const stats = [...this.#stats.values()];
    this.#summary.clear();
    this.#stats.clear();
    await Promise.all([
      ...summary.map(([tenant, deltas]) => this.store.applySummary(tenant, deltas)),
      ...stats.map((s) => this.store.applyStats(s.tenant, s.minute, s.delta)),
    ]);
  }

  #summaryAdd(tenant: string, field: SummaryBucket | 'total', delta: number) {
    const entry = this.#summary.get(tenant) ?? {};
    entry[field] = (entry[field] ?? 0) + delta;
    this.#summary.set(tenant, entry);
  }

  #statsAdd(tenant: string, at: number, delta: Partial<StatsDelta>) {
    const minute = minuteOf(at);
    {
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
}
