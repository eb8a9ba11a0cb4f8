import { createHash } from 'node:crypto';
import { type RedisConnection, RedisLease } from '@cauce/base';

interface CachedToken {
  token: string;
  /** Epoch ms after which we renew (expiry minus the margin, or half the lifetime if shorter). */
  renewAt: number;
}

/** What a provider client passes on to its shared token (the rest is the provider's own). */
export interface TokenSharing {
  redis: RedisConnection;
  /** Key namespace (the BullMQ prefix, so tests stay apart). */
  prefix: string;
  /** Renew this long before expiry, so no request goes out with a token about to die. */
  refreshMarginMs?: number;
  /** How long a replica waits for another replica's renewal before trying itself. */
  lockMs?: number;
  /** Observes renewals (metrics): missing = none cached (first use, or dropped after a 401). */
  onRenew?: (reason: 'missing' | 'expiring') => void;
}

export interface SharedTokenOptions extends TokenSharing {
  /** Provider name for error messages; lower-cased, the Redis key's namespace. */
  provider: string;
  /** The credentials the token is for: the Redis key holds a hash of them, never them. */
  credentials: string[];
  /** Exchanges the credentials for a new token. */
  fetchToken: () => Promise<{ token: string; expiresInSeconds: number }>;
  refreshMarginMs: number;
}

/** Drops the cached token only if it is still the one the provider rejected (a replica may have renewed it). */
const DELETE_IF_TOKEN = `local v = redis.call('get', KEYS[1])
if v and cjson.decode(v).token == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

/**
 * One access token for every replica: cached in Redis and in-process, renewed before expiry and
 * after a 401 under a Redis lock, so a fleet that sees the token die at once asks the provider
 * for one new token (tokens cost credits at Beds24 and are rate-limited at SIIGO).
 */
export class SharedToken {
  /** Held while this replica renews; it expires on its own if the renewal dies. */
  private readonly lock: RedisLease;
  private readonly lockMs: number;
  /** `<prefix>:<provider>:token:<hash of the credentials>`. */
  private readonly key: string;
  /** Per-process copy, so most requests never touch Redis. */
  private local?: CachedToken;
  private inflight?: Promise<string>;

  constructor(private readonly opts: SharedTokenOptions) {
    this.lockMs = opts.lockMs ?? 15_000;
    const id = createHash('sha256').update(opts.credentials.join('\0')).digest('hex').slice(0, 16);
    this.key = `${opts.prefix}:${opts.provider.toLowerCase()}:token:${id}`;
    this.lock = new RedisLease({ redis: opts.redis, key: `${this.key}:lock`, ttlMs: this.lockMs });
  }

  private fresh(t: CachedToken | undefined): t is CachedToken {
    return !!t && t.renewAt > Date.now();
  }

  /** A valid token: local copy, else Redis, else a renewal (one per fleet). */
  async get(): Promise<string> {
    if (this.fresh(this.local)) return this.local.token;
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** After a 401: forget `rejected` (only if nobody replaced it yet); the next get() renews. */
  async forget(rejected: string): Promise<void> {
    if (this.local?.token === rejected) this.local = undefined;
    await this.opts.redis.eval(DELETE_IF_TOKEN, 1, this.key, rejected);
  }

  private async read(): Promise<CachedToken | undefined> {
    const raw = await this.opts.redis.get(this.key);
    if (!raw) return undefined;
    try {
      const t = JSON.parse(raw) as CachedToken;
      return typeof t.token === 'string' && typeof t.renewAt === 'number' ? t : undefined;
    } catch {
      return undefined;
    }
  }

  private async load(): Promise<string> {
    const deadline = Date.now() + this.lockMs;
    for (;;) {
      const cached = await this.read();
      if (this.fresh(cached)) {
        this.local = cached;
        return cached.token;
      }
      if (await this.lock.acquire()) {
        try {
          // Re-check under the lock: another replica may have renewed between our read and lock.
          const again = await this.read();
          if (this.fresh(again)) {
            this.local = again;
            return again.token;
          }
          this.opts.onRenew?.(cached ? 'expiring' : 'missing');
          const { token, expiresInSeconds } = await this.opts.fetchToken();
          const lifetime = expiresInSeconds * 1000;
          const now = Date.now();
          const t: CachedToken = {
            token,
            renewAt: now + Math.max(lifetime - this.opts.refreshMarginMs, lifetime / 2),
          };
          await this.opts.redis.set(this.key, JSON.stringify(t), 'PX', Math.max(1000, t.renewAt - now));
          this.local = t;
          return token;
        } finally {
          await this.lock.release();
        }
      }
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for another replica to renew the ${this.opts.provider} token`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
