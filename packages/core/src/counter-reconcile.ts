import { ACTIVE_STATUSES, type JOB_STATUSES } from './job.ts';
import type { TenantDirectory } from './auth/tenant-directory.ts';
import type { JobStore } from './store/job-store.ts';
import type { Summary } from './query/stats-reader.ts';
import { counterShards, LISTINGS, reconcileCursorKey, statusPartitions, summaryKey, type Listing } from './store/table-keys.ts';

/**
 * Re-derives the summary cards from the job items, so that a crash between a job write and
 * the flush of its counter delta (counter-store.ts) does not leave the cards wrong for good.
 *
 * The job items are counted per status on gsi2 (`Select: COUNT`, one Query per status partition; gsi2
 * projects `hasErrors`, so completed and failed are told apart without reading the jobs). A
 * count read while deltas are still on their way would be double-counted when they land, so
 * a listing is corrected only when it is provably quiet, in two visits at least `settleMs`
 * apart (longer than any batch holds a delta):
 *
 *   1st visit  the summary item has had no delta for `settleMs`: count the items and keep the
 *              count on the summary item as a candidate, with the item's `version`.
 *   2nd visit  the version is unchanged (no delta landed between the visits), the candidate is
 *              at least `settleMs` old and the items count the same again: every delta of a
 *              change made before the 1st visit has landed or was lost with its process, and
 *              changes made between the visits net to zero, so their late deltas do too.
 *              Write the count, conditioned on the version.
 *
 * The cards are spread over the tenant's counter shards (counter-store.ts); the stored count is
 * their sum, and "no delta landed" means the sum of their versions did not move. The reconcile
 * state and the correction go to shard 0, which is set to the items' count less what the other
 * shards hold, conditioned on shard 0's version; a delta landing on another shard meanwhile
 * is one of a change the count did not see (the two visits' counts agreed), so it belongs on top.
 *
 * A listing whose stored count already equals the items' is marked reconciled at once (that
 * write changes no number). A listing reconciled at its current version is not counted again
 * until a delta lands, so an idle tenant costs one read per listing and visit. A busy listing
 * is left until it is quiet: the cards are true "after quiescence", not at every instant.
 */

export type Counts = Summary;

/** Tenants visited per sweep: the directory is walked a page per sweep, round and round. */
export const TENANTS_PER_VISIT = 25;

export interface ReconcileResult {
  /** Listings whose stored cards were replaced by the items' count. */
  corrected: number;
  /** Listings counted and left a candidate for the next visit. */
  pending: number;
}

/** The cards as the job items of one tenant and listing say they are. */
export async function countFromItems(jobs: JobStore, tenant: string, listing: Listing): Promise<Counts> {
  const count = async (status: (typeof JOB_STATUSES)[number], whereTrue?: string) => {
    const shards = statusPartitions(tenant, listing, status).map((partition) =>
      jobs.countIndex({ index: 'gsi2', partition, ...(whereTrue ? { whereTrue } : {}) }),
    );
    return (await Promise.all(shards)).reduce((a, b) => a + b, 0);
  };
  const [active, finished, failed, canceled] = await Promise.all([
    Promise.all(ACTIVE_STATUSES.map((status) => count(status))).then((counts) => counts.reduce((a, b) => a + b, 0)),
    count('FINISHED'),
    count('FINISHED', 'hasErrors'),
    count('CANCELED'),
  ]);
  return { total: active + finished + canceled, active, completed: finished - failed, failed, canceled };
}

const CARDS = ['total', 'active', 'completed', 'failed', 'canceled'] as const;

const sameCounts = (a: Partial<Counts>, b: Partial<Counts>) => CARDS.every((card) => (a[card] ?? 0) === (b[card] ?? 0));

interface SummaryItem extends Partial<Counts> {
  version?: number;
  updatedAt?: number;
  reconciledVersion?: number;
  candidate?: { version: number; at: number } & Counts;
}

/** One listing's counter shards as read: shard 0 (which keeps the reconcile state) and their sums. */
interface StoredCards {
  key: { pk: string; sk: string };
  first: SummaryItem;
  /** Each card added up over every shard. */
  sum: Counts;
  /** Each card added up over the shards but the first: shard 0 holds the rest. */
  others: Counts;
  /** The shards' versions added up: it moves with every delta on any of them. */
  version: number;
  /** The latest delta on any shard. */
  updatedAt: number;
}

async function readCards(jobs: JobStore, tenant: string, listing: Listing): Promise<StoredCards> {
  const keys = counterShards.map((shard) => summaryKey(tenant, listing, shard));
  // Consistent: a delta that landed just before this read must be in the sum it compares.
  const read = await jobs.getItems(keys, true);
  const byPk = new Map(read.map((item) => [item.pk, item as SummaryItem]));
  const shards = keys.map((key) => byPk.get(key.pk) ?? {});
  const add = (items: SummaryItem[]) => cardsOf((card) => items.reduce((n, item) => n + (item[card] ?? 0), 0));
  return {
    key: keys[0]!,
    first: shards[0]!,
    sum: add(shards),
    others: add(shards.slice(1)),
    version: shards.reduce((n, item) => n + (item.version ?? 0), 0),
    updatedAt: Math.max(...shards.map((item) => item.updatedAt ?? 0)),
  };
}

/** Shard 0's cards such that the shards add up to `counts`. */
const firstShardFor = (counts: Counts, others: Counts) => cardsOf((card) => counts[card] - others[card]);

const cardsOf = (value: (card: (typeof CARDS)[number]) => number): Counts => Object.fromEntries(CARDS.map((card) => [card, value(card)])) as unknown as Counts;

/** Visits every listing of one tenant (see the module comment). */
export async function reconcileTenant(jobs: JobStore, tenant: string, now: number, settleMs: number): Promise<ReconcileResult> {
  const result: ReconcileResult = { corrected: 0, pending: 0 };
  for (const listing of LISTINGS) {
    const cards = await readCards(jobs, tenant, listing);
    const { key, first, version } = cards;
    if (first.reconciledVersion === version) continue;
    if (cards.updatedAt > now - settleMs) continue;
    const counts = await countFromItems(jobs, tenant, listing);
    // Written only if no delta landed on shard 0 since the read; a lost race is left for the next visit.
    const firstVersion = first.version ?? 0;
    const atVersion = { condition: '(attribute_not_exists(#version) AND :v = :zero) OR #version = :v', values: { ':v': firstVersion, ':zero': 0 } };
    if (sameCounts(cards.sum, counts)) {
      if (version === 0 && first.candidate === undefined) continue; // nothing ever counted here
      await jobs.tryUpdateItem(key, { set: { reconciledVersion: version }, remove: ['candidate'], ...atVersion });
      continue;
    }
    const candidate = first.candidate;
    const confirmed = candidate !== undefined && candidate.version === version && sameCounts(candidate, counts);
    if (confirmed && candidate.at <= now - settleMs) {
      const set = { ...firstShardFor(counts, cards.others), reconciledVersion: version };
      if (await jobs.tryUpdateItem(key, { set, remove: ['candidate'], ...atVersion })) result.corrected++;
      continue;
    }
    // A confirmed candidate keeps its age; anything else starts the wait again.
    if (!confirmed) await jobs.tryUpdateItem(key, { set: { candidate: { version, at: now, ...counts } }, ...atVersion });
    result.pending++;
  }
  return result;
}

/**
 * One sweep's share: the next page of the tenant directory after the stored cursor, each
 * tenant visited. The cursor only orders the walk, so a crash between visits and the cursor's
 * write visits some tenants twice, which is harmless.
 */
export async function reconcileSome(
  jobs: JobStore,
  tenants: TenantDirectory,
  now: number,
  settleMs: number,
  perVisit = TENANTS_PER_VISIT,
): Promise<ReconcileResult> {
  const cursor = (await jobs.getItem(reconcileCursorKey))?.after as string | undefined;
  const page = await tenants.page(cursor, perVisit);
  const result: ReconcileResult = { corrected: 0, pending: 0 };
  for (const tenant of page) {
    const visited = await reconcileTenant(jobs, tenant, now, settleMs);
    result.corrected += visited.corrected;
    result.pending += visited.pending;
  }
  const next = page.length < perVisit ? null : page[page.length - 1]!;
  if (next !== (cursor ?? null)) await jobs.tryUpdateItem(reconcileCursorKey, next === null ? { remove: ['after'] } : { set: { after: next } });
  return result;
}

/**
 * Writes every listing's cards from the items at once, without waiting for quiet: only for a
 * table no process is writing to (the local stack's start after an unclean stop), where no
 * delta can be on its way.
 */
export async function recountWhileStopped(jobs: JobStore, tenants: TenantDirectory): Promise<number> {
  let corrected = 0;
  for (const tenant of await tenants.list()) {
    for (const listing of LISTINGS) {
      const cards = await readCards(jobs, tenant, listing);
      const counts = await countFromItems(jobs, tenant, listing);
      if (sameCounts(cards.sum, counts)) continue;
      await jobs.tryUpdateItem(cards.key, { set: { ...firstShardFor(counts, cards.others), reconciledVersion: cards.version }, remove: ['candidate'] });
      corrected++;
    }
  }
  return corrected;
}
