/** The api's largest page (`_size` ≤ 1000); a larger cap is reached over several pages. */
export const MAX_PAGE_SIZE = 1000;

export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * An async iterable over a cursor-paged list; pages are fetched lazily, as the loop asks.
 * With `limit` (the seeds' `_size`: the most items to retrieve) it ends after that many in
 * all, and asks each page for no more than are still wanted, within the api's page size.
 * A limit that is not a whole number ≥ 1 goes to the api as it is, which refuses it (400).
 */
export function paged<T>(fetchPage: (cursor: string | null, size: number | undefined) => Promise<CursorPage<T>>, limit?: number): AsyncIterable<T> {
  const capped = limit !== undefined && Number.isInteger(limit) && limit >= 1;
  return {
    async *[Symbol.asyncIterator]() {
      let cursor: string | null = null;
      let left = capped ? limit : Number.POSITIVE_INFINITY;
      do {
        const page = await fetchPage(cursor, capped ? Math.min(left, MAX_PAGE_SIZE) : limit);
        for (const item of page.items) {
          yield item;
          if (--left === 0) return;
        }
        cursor = page.nextCursor;
      } while (cursor !== null);
    },
  };
}
