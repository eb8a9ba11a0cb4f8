/**
 * Paging a provider list faster than one request at a time, while the caller still handles (and
 * checkpoints) pages strictly in order: a page is only ever fetched ahead, never committed ahead,
 * so a checkpoint written after page n still means "everything up to n is stored" and a resumed
 * run starts at n + 1. Every fetch still goes through the provider's budget, which is what keeps
 * the requests in flight within the provider's limit.
 */

/** Options of `numberedPages`: a list addressed by page number (SIIGO's `page`, Beds24's `page`). */
export interface NumberedPagesOptions<P> {
  /** The first page to fetch (a resumed run: the page after its checkpoint). */
  first: number;
  /**
   * Pages requested at once, at most, once the last page is known. Until a page has told where
   * the list ends, only the next page is fetched ahead (no requests past the end).
   */
  concurrency: number;
  fetch: (n: number) => Promise<P>;
  /** The list's last page number, as page n tells it (its total, or n itself when it is empty). */
  lastPage: (page: P, n: number) => number;
}

/** Pages of a numbered list in order, up to `concurrency` fetched at once. */
export async function* numberedPages<P>(
  opts: NumberedPagesOptions<P>,
): AsyncGenerator<{ n: number; page: P }> {
  if (!(opts.concurrency >= 1)) throw new Error('numberedPages: concurrency must be >= 1');
  const inFlight = new Map<number, Promise<P>>();
  let last: number | null = null;
  let nextToFetch = opts.first;
  const fill = () => {
    const ahead = last === null ? 1 : opts.concurrency;
    while (inFlight.size < ahead && (last === null || nextToFetch <= last)) {
      const p = opts.fetch(nextToFetch);
      p.catch(() => {}); // observed when its turn comes; one abandoned after a failure must not be unhandled
      inFlight.set(nextToFetch++, p);
    }
  };
  for (let n = opts.first; last === null || n <= last; n++) {
    fill();
    const page = await (inFlight.get(n) as Promise<P>);
    inFlight.delete(n);
    last = opts.lastPage(page, n);
    fill(); // the next pages are on their way while the caller handles this one
    yield { n, page };
  }
}

/** Options of `cursorPages`: a list where each page names the next (Stripe, GoHighLevel). */
export interface CursorPagesOptions<P, C> {
  /** Where to start (a resumed run: its checkpoint's cursor). */
  start: C;
  fetch: (cursor: C) => Promise<P>;
  /** The cursor of the page after this one; null when this is the last. */
  next: (page: P) => C | null;
}

/**
 * Pages of a cursor list in order, each next page requested as soon as the one before it has
 * arrived, so the caller's work on a page (mapping, the database write) overlaps the next request.
 * A cursor list cannot go wider than that: the next page's cursor is in this page.
 */
export async function* cursorPages<P, C>(opts: CursorPagesOptions<P, C>): AsyncGenerator<P> {
  let pending: Promise<P> | null = opts.fetch(opts.start);
  while (pending) {
    const page: P = await pending;
    const cursor = opts.next(page);
    pending = cursor === null ? null : opts.fetch(cursor);
    pending?.catch(() => {}); // awaited next turn; abandoned if the caller stops at this page
    yield page;
  }
}
