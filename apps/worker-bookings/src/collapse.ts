import type { RedisConnection } from '@cauce/runtime';

/** Sets the key only when the new start time is later (two fetches may finish out of order). */
const SET_MAX = `local cur = tonumber(redis.call('get', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

/**
 * Collapses bursts of webhooks for one booking into one fetch without losing the last change.
 * After a fetch+upsert SUCCEEDS we record when that fetch STARTED. A webhook received before that
 * instant describes a change the fetch already saw (Beds24 sends it after the change is saved), so
 * its job skips the fetch. A webhook received later — even while a fetch is in flight — fetches
 * again. A failed fetch records nothing, so nothing is skipped on its account.
 */
export class FetchCollapser {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    /** Allowance for clock skew between the ingress database (received_at) and this worker. */
    private readonly marginMs: number,
    private readonly ttlMs = 24 * 3600_000,
  ) {}

  private key(bookingId: string) {
    return `${this.prefix}:beds24:fetch-started:${bookingId}`;
  }

  /** The start time (epoch ms) of the latest successful fetch, or 0. */
  async lastFetchStart(bookingId: string): Promise<number> {
    return Number((await this.redis.get(this.key(bookingId))) ?? 0);
  }

  async isCovered(bookingId: string, receivedAt: Date): Promise<boolean> {
    const started = await this.lastFetchStart(bookingId);
    return started > 0 && receivedAt.getTime() <= started - this.marginMs;
  }

  async recordFetch(bookingId: string, startedAt: number): Promise<void> {
    await this.redis.eval(SET_MAX, 1, this.key(bookingId), String(startedAt), String(this.ttlMs));
  }
}
