/** An async iterable over every item of a cursor-paged list; pages are fetched lazily. */
export function paged<T>(fetchPage: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      let cursor: string | null = null;
      do {
        const page = await fetchPage(cursor);
        yield* page.items;
        cursor = page.nextCursor;
      } while (cursor !== null);
    },
  };
}
