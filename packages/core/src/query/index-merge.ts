import type { JobStore } from '../job-store.ts';
import type { IndexName } from '../resource-spec.ts';

/** One index partition whose sort keys are `<createDate:13>#<id>`. */
export interface IndexSource {
  index: IndexName;
  partition: string;
}

interface Part extends IndexSource {
  /** Keys read but not yet handed out, newest first. */
  buf: string[];
  /** Reads continue strictly below this sort key (ExclusiveStartKey); none before the first read. */
  after: string | undefined;
  /** No keys left below `after` within the range. */
  exhausted: boolean;
}

/** Lowest and highest sort key of the create-date range, inclusive. */
export type SortKeyRange = [string, string];

/** The job id inside a `<createDate:13>#<id>` sort key. */
export const idOfSortKey = (sortKey: string) => sortKey.slice(14);

const HEAD_PROBES_IN_FLIGHT = 16;

/**
 * Newest-first k-way merge of several index partitions (statuses, types, tenants, user and
 * system jobs), reading as few keys as the page needs.
 *
 * Every partition first reads one key (its head). The partition with the newest head is then
 * read only down to the second-newest head (a BETWEEN floor), so every key such a read returns
 * is handed out next and none is read ahead to be thrown away. What is read but not handed out
 * per page is one head per partition plus one key, so a page of n keys costs about n + the
 * number of partitions. A single partition skips the probing and reads n + 1 keys at once.
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
    this.#parts = sources.map((s) => ({ ...s, buf: [], after: start, exhausted: false }));
  }

  /** Up to `max` sort keys in merged order, newest first; fewer only when the partitions ran out. */
  async next(max: number): Promise<string[]> {
    const out: string[] = [];
    if (max <= 0) return out;
    const single = this.#parts.length === 1;
    await this.#probe(single ? max + 1 : 1);
    while (out.length < max) {
      const [best, second] = this.#leaders();
      if (best === undefined) break;
      while (best.buf.length > 0 && out.length < max && (second === undefined || best.buf[0]! > second)) {
        out.push(best.buf.shift()!);
      }
      if (out.length >= max || best.buf.length > 0 || best.exhausted) continue;
      // Read the leader down to the next partition's head: all of it is handed out next.
      const reachedFloor = await this.#read(best, max - out.length + 1, second);
      if (reachedFloor && !best.exhausted) await this.#read(best, 1);
    }
    return out;
  }

  /** Whether any key is left; reads at most one key per partition whose next key is unknown. */
  async hasMore(): Promise<boolean> {
    if (this.#parts.some((p) => p.buf.length > 0)) return true;
    await this.#probe(1);
    return this.#parts.some((p) => p.buf.length > 0);
  }

  async #probe(limit: number): Promise<void> {
    const pending = this.#parts.filter((p) => p.buf.length === 0 && !p.exhausted);
    for (let i = 0; i < pending.length; i += HEAD_PROBES_IN_FLIGHT) {
      await Promise.all(pending.slice(i, i + HEAD_PROBES_IN_FLIGHT).map((p) => this.#read(p, limit)));
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
      pk: `J#${idOfSortKey(sortKey)}`,
      sk: 'J',
    };
  }
}
