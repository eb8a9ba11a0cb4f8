import type { RedisConnection } from '@cauce/runtime';
import { withTimeout } from '../with-timeout.ts';

export interface SharedBudgetOptions {
  redis: RedisConnection;
  /** Redis key namespace of the shared counters. */
  keyPrefix: string;
  max: number;
  windowMs: number;
  /** How often the counts are pushed to Redis and the fleet's totals read back. */
  syncMs: number;
  /** Longest wait for Redis when a key's local allowance is used up; past it this replica counts alone. */
  redisTimeoutMs: number;
}

interface Counter {
  /** Index of the fixed window (floor(now / windowMs)) the counts belong to. */
  window: number;
  /** Every replica's admissions as Redis last answered (ours included). */
  known: number;
  /** Our admissions not yet added to Redis. */
  pending: number;
  /** A sync of this key in flight (requests past the allowance wait for it). */
  sync: Promise<void> | null;
}

export interface Admission {
  ok: boolean;
  remaining: number;
  /** Milliseconds to the end of the window. */
  resetMs: number;
}

/**
 * A fixed-window limit per key, counted in process and shared through Redis in the background:
 * a request costs a Map lookup, not a Redis round trip. Every `syncMs` the counts admitted since
 * the last sync are added to the key's Redis counter (INCRBY, one pipeline for every key) and the
 * fleet's total read back. A replica admits while `known + pending < max`, and at most
 * `allowance` = ⌈max / 10⌉ between two syncs of a key: a request beyond it waits for a sync.
 * So one replica admits exactly `max` per window, and N replicas at most about
 * `max + N × allowance` (each may spend one allowance the others have not seen yet). With Redis
 * unreachable each replica enforces `max` on its own counts (it never lets a flood through).
 */
export class SharedBudget {
  private readonly counters = new Map<string, Counter>();
  private readonly allowance: number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly o: SharedBudgetOptions) {
    this.allowance = Math.max(1, Math.ceil(o.max / 10));
    this.timer = setInterval(() => void this.syncAll(), o.syncMs);
    this.timer.unref();
  }

  /** Counts one request for `key` and says whether it is within the limit. */
  async admit(key: string, now = Date.now()): Promise<Admission> {
    const window = Math.floor(now / this.o.windowMs);
    const resetMs = (window + 1) * this.o.windowMs - now;
    let c = this.counters.get(key);
    if (!c || c.window !== window) {
      c = { window, known: 0, pending: 0, sync: null };
      this.counters.set(key, c);
    }
    if (c.pending >= this.allowance && c.known + c.pending < this.o.max) {
      await this.sync(key, c);
      // The window may have ended while waiting: the request counts in the new one.
      if (this.counters.get(key) !== c) return this.admit(key);
    }
    const used = c.known + c.pending;
    if (used >= this.o.max) return { ok: false, remaining: 0, resetMs };
    c.pending++;
    return { ok: true, remaining: this.o.max - used - 1, resetMs };
  }

  close() {
    clearInterval(this.timer);
  }

  private syncAll() {
    const window = Math.floor(Date.now() / this.o.windowMs);
    for (const [key, c] of this.counters) {
      if (c.window < window) this.counters.delete(key);
      else if (c.pending > 0) void this.sync(key, c);
    }
  }

  /** Adds the key's pending count to Redis and takes the fleet's total (once at a time per key). */
  private sync(key: string, c: Counter): Promise<void> {
    c.sync ??= (async () => {
      const n = c.pending;
      const redisKey = `${this.o.keyPrefix}${key}:${c.window}`;
      try {
        const replies = await withTimeout(
          this.o.redis
            .multi()
            .incrby(redisKey, n)
            .pexpire(redisKey, this.o.windowMs * 2)
            .exec(),
          this.o.redisTimeoutMs,
        );
        const [err, total] = replies?.[0] ?? [new Error('no reply'), null];
        if (err) throw err;
        c.pending -= n;
        c.known = Math.max(c.known + n, Number(total));
      } catch {
        // Redis did not answer: these admissions stay ours alone (`known + pending` still counts them).
        c.known += n;
        c.pending -= n;
      } finally {
        c.sync = null;
      }
    })();
    return c.sync;
  }
}
