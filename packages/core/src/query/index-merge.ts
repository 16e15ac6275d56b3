import { jobKey, jobOfCreateSortKey } from '../store/table-keys.ts';
import type { JobStore } from '../store/job-store.ts';
import type { IndexName } from '../resource-spec.ts';

/** One index partition whose sort keys are `<createDate:13>#<id>`. */
export interface IndexSource {
  index: IndexName;
  partition: string;
  /**
   * The partition is one of this many shards a writer spreads one status or one parent's
   * children over by job id (table-keys.ts `STATUS_SHARDS`, `CHILD_SHARDS`), so a run of the
   * merge takes about an equal share from each.
   */
  shards?: number;
}

interface Part extends IndexSource {
  /** Keys read but not yet handed out, newest first. */
  buf: string[];
  /** Reads continue strictly below this sort key (ExclusiveStartKey); none before the first read. */
  after: string | undefined;
  /** No keys left below `after` within the range. */
  exhausted: boolean;
  /** Another partition handed out keys since this one's last read. */
  interleaved: boolean;
}

/** Lowest and highest sort key of the create-date range, inclusive. */
export type SortKeyRange = [string, string];

const READS_IN_FLIGHT = 16;
/** Keys a shard reads beyond its share of a page: a random spread is seldom exactly even. */
const SHARD_SLACK = 2;

/** Keys per chunk read of one of several partitions: small, so little is read ahead. */
export function chunkSize(max: number): number {
  return Math.min(32, Math.max(8, Math.ceil(max / 16)));
}

/**
 * Newest-first k-way merge of several index partitions (statuses, types, tenants, user and
 * system jobs), reading few keys beyond what the page hands out and in few requests.
 *
 * Each partition is read in small chunks (`chunkSize`), all partitions in parallel at first; a
 * shard (`IndexSource.shards`) reads its share of the page at once instead, since
 * the shards interleave evenly. When the newest partition runs dry in the middle of a run
 * (nothing else was handed out since its last read), the run is likely long, so it is read down
 * to the next partition's head with a BETWEEN floor: everything such a read returns is handed
 * out next, in one request, nothing read ahead. Otherwise it reads another chunk. What is read
 * but not handed out is therefore at most one chunk per partition: a page of n keys costs
 * n + chunk × partitions keys at worst, and a single partition reads exactly n keys in one
 * request. Whether more follow comes from DynamoDB's LastEvaluatedKey rather than a look-ahead
 * key, so a single partition's page reads 2 × its size (keys + items); the price is that a
 * cursor may lead to an empty last page.
 *
 * Sort keys are unique across the merged partitions (they end with the job id and a job is in
 * one status, type, tenant and visibility at a time), so the last key handed out is a complete
 * position: resuming every partition strictly below it continues the merge without gaps.
 */
export class IndexMerge {
  /** Index keys read from DynamoDB, including heads read ahead. */
  keysRead = 0;
  readonly #parts: Part[];

  constructor(
    readonly store: JobStore,
    sources: readonly IndexSource[],
    readonly range: SortKeyRange,
    /** Resume strictly below this sort key (a cursor's position). */
    start?: string,
  ) {
    this.#parts = sources.map((s) => ({ ...s, buf: [], after: start, exhausted: false, interleaved: false }));
  }

  /** Up to `max` sort keys in merged order, newest first; fewer only when the partitions ran out. */
  async next(max: number): Promise<string[]> {
    const out: string[] = [];
    if (max <= 0) return out;
    const chunkOf = (part: Part) => this.#chunkOf(part, max);
    await this.#probe(chunkOf);
    while (out.length < max) {
      const [best, second] = this.#leaders();
      if (best === undefined) break;
      const before = out.length;
      while (best.buf.length > 0 && out.length < max && (second === undefined || best.buf[0]! > second)) {
        out.push(best.buf.shift()!);
      }
      if (out.length > before) for (const part of this.#parts) if (part !== best) part.interleaved = true;
      if (out.length >= max || best.buf.length > 0 || best.exhausted) continue;
      const need = max - out.length;
      if (second === undefined) {
        // Every other partition is exhausted: read exactly what the page still needs.
        await this.#read(best, need + 1);
      } else if (!best.interleaved) {
        // A long run: read it down to the next partition's head, all of it handed out next.
        if (await this.#read(best, need + 1, second)) await this.#read(best, Math.min(need + 1, chunkOf(best)));
      } else {
        await this.#read(best, Math.min(need + 1, chunkOf(best)));
      }
    }
    return out;
  }

  /**
   * Whether keys may be left. A single partition answers from LastEvaluatedKey without a read
   * (possibly leading to an empty page); merges read at most one key per partition whose next
   * key is unknown, as a merged page would otherwise often end empty.
   */
  async hasMore(): Promise<boolean> {
    if (this.#parts.some((p) => p.buf.length > 0)) return true;
    if (this.#parts.length === 1) return !this.#parts[0]!.exhausted;
    await this.#probe(() => 1);
    return this.#parts.some((p) => p.buf.length > 0);
  }

  /**
   * A single partition reads the page at once. A shard reads its share of the page
   * and a little more, so the shards' first reads, in parallel, mostly fill the page; any other
   * partition of a merge reads a small chunk, as it may hand out nothing at all.
   */
  #chunkOf(part: Part, max: number): number {
    if (this.#parts.length === 1) return max;
    const share = part.shards === undefined ? 0 : Math.ceil(max / part.shards) + SHARD_SLACK;
    return Math.min(max + 1, Math.max(chunkSize(max), share));
  }

  /** Reads every partition with nothing buffered and keys left, `limitOf` keys each, in parallel. */
  async #probe(limitOf: (part: Part) => number): Promise<void> {
    const pending = this.#parts.filter((p) => p.buf.length === 0 && !p.exhausted);
    for (let i = 0; i < pending.length; i += READS_IN_FLIGHT) {
      await Promise.all(pending.slice(i, i + READS_IN_FLIGHT).map((p) => this.#read(p, limitOf(p))));
    }
  }

  /** The partition with the newest buffered key, and the newest buffered key of the others. */
  #leaders(): [Part | undefined, string | undefined] {
    let best: Part | undefined;
    let second: string | undefined;
    for (const part of this.#parts) {
      const head = part.buf[0];
      if (head === undefined) continue;
      if (best === undefined || head > best.buf[0]!) {
        if (best !== undefined) second = best.buf[0];
        best = part;
      } else if (second === undefined || head > second) {
        second = head;
      }
    }
    return [best, second];
  }

  /**
   * Reads up to `limit` keys of one partition below its position, no lower than `floor`.
   * Returns true when the floor was reached: the partition has nothing between floor and its
   * position, so its position moves to the floor (a valid start key even though no item has it).
   */
  async #read(part: Part, limit: number, floor?: string): Promise<boolean> {
    const [lo, hi] = this.range;
    const skName = `${part.index}sk`;
    const page = await this.store.queryIndex({
      index: part.index,
      partition: part.partition,
      between: [floor ?? lo, hi],
      ascending: false,
      limit,
      ...(part.after !== undefined ? { startKey: this.#startKey(part, part.after) } : {}),
    });
    this.keysRead += page.keys.length;
    part.interleaved = false;
    for (const key of page.keys) part.buf.push(key[skName]!);
    const last = page.keys.at(-1);
    if (last !== undefined) part.after = last[skName]!;
    if (page.lastKey !== undefined) return false;
    if (floor === undefined) part.exhausted = true;
    else part.after = floor;
    return floor !== undefined;
  }

  #startKey(part: Part, sortKey: string): Record<string, string> {
    return {
      [`${part.index}pk`]: part.partition,
      [`${part.index}sk`]: sortKey,
      ...jobKey(jobOfCreateSortKey(sortKey)),
    };
  }
}
