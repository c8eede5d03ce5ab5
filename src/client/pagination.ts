/** One page of a list: pass `nextCursor` as `cursor` to get the next one; it is `null` on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Paging options every list method accepts. */
export interface PageParams {
  /** Items per page, 1–200 (server default 50). */
  limit?: number | undefined;
  /** `nextCursor` of the previous page. */
  cursor?: string | undefined;
}

/** The wire shape of a page. */
export interface WirePage<T> {
  items: T[];
  next_cursor: string | null;
}

export function toPage<W, T>(page: WirePage<W>, convert: (item: W) => T): Page<T> {
  return { items: page.items.map(convert), nextCursor: page.next_cursor };
}

/**
 * Every item of a cursor-paginated list, fetching pages as the loop needs them:
 *
 * ```ts
 * for await (const account of paginate((cursor) => client.connectedAccounts.list({ userId: 'alice', cursor }))) { … }
 * ```
 *
 * Each list method also has a `listAll(params)` that does this for you.
 */
export async function* paginate<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
