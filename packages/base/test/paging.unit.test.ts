import { describe, expect, it } from 'vitest';
import { cursorPages, numberedPages } from '../src/paging.ts';

/** A list of `total` items served `size` per page, answering in a scrambled order. */
function numberedList(total: number, size: number) {
  const log = { requested: [] as number[], inFlight: 0, peak: 0 };
  const fetch = async (n: number) => {
    log.requested.push(n);
    log.inFlight++;
    log.peak = Math.max(log.peak, log.inFlight);
    // Later pages answer first now and then (each waits a different number of turns of the
    // microtask queue): order must come from the pager, not the answers.
    for (let turn = (n * 7) % 5; turn > 0; turn--) await Promise.resolve();
    log.inFlight--;
    const from = (n - 1) * size;
    return {
      items: Array.from({ length: Math.max(0, Math.min(size, total - from)) }, (_, i) => from + i),
      total,
    };
  };
  return { fetch, log };
}

describe('numberedPages', () => {
  it('yields every page once and in order, at most `concurrency` in flight, none past the end', async () => {
    const { fetch, log } = numberedList(95, 10);
    const order: number[] = [];
    const items: number[] = [];
    for await (const { n, page } of numberedPages({
      first: 1,
      concurrency: 3,
      fetch,
      lastPage: (p, n) => (p.items.length === 0 ? n : Math.ceil(p.total / 10)),
    })) {
      order.push(n);
      items.push(...page.items);
    }
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(items).toEqual(Array.from({ length: 95 }, (_, i) => i));
    expect([...log.requested].sort((a, b) => a - b)).toEqual(order); // each once, none past page 10
    expect(log.peak).toBe(3);
  });

  it('starts where a resumed run left off and stops at an empty page', async () => {
    const { fetch, log } = numberedList(40, 10);
    const seen: number[] = [];
    for await (const { n } of numberedPages({
      first: 3,
      concurrency: 4,
      fetch,
      lastPage: (p, n) => (p.items.length ? n + 1 : n),
    }))
      seen.push(n);
    expect(seen).toEqual([3, 4, 5]); // page 5 is empty: the end
    expect(log.requested).not.toContain(1);
  });

  it("a failed page fails the caller at that page's turn, after the pages before it", async () => {
    const seen: number[] = [];
    const pages = numberedPages({
      first: 1,
      concurrency: 4,
      fetch: async (n) => {
        if (n === 3) throw new Error('page 3 failed');
        return n;
      },
      lastPage: () => 6,
    });
    await expect(
      (async () => {
        for await (const { n } of pages) seen.push(n);
      })(),
    ).rejects.toThrow('page 3 failed');
    expect(seen).toEqual([1, 2]);
  });
});

describe('cursorPages', () => {
  it('requests the next page before the caller is done with this one, and ends at a null cursor', async () => {
    const requested: Array<string | null> = [];
    const handled: string[] = [];
    const pages = cursorPages({
      start: null as string | null,
      fetch: async (cursor) => {
        requested.push(cursor);
        const at = cursor === null ? 0 : Number(cursor) + 1;
        return { at, next: at < 4 ? String(at) : null };
      },
      next: (p) => p.next,
    });
    for await (const p of pages) {
      // While this page is handled, the next one has already been asked for.
      expect(requested.length).toBe(p.next === null ? p.at + 1 : p.at + 2);
      handled.push(String(p.at));
    }
    expect(handled).toEqual(['0', '1', '2', '3', '4']);
    expect(requested).toEqual([null, '0', '1', '2', '3']);
  });
});
