import { createHash } from 'node:crypto';
import type { RedisConnection } from '@cauce/base';
import { SharedToken } from '../shared-token.ts';

export interface Beds24TokenSource {
  /** A token to send in the `token` header. */
  get(): Promise<string>;
  /** After a 401 with `rejected`: true when a new token may help (refresh mode), false otherwise. */
  invalidate(rejected: string): Promise<boolean>;
}

/** BEDS24_TOKEN: a long-life (read-only) token. Nothing to refresh; a 401 means it was revoked. */
export class StaticTokenSource implements Beds24TokenSource {
  constructor(private readonly token: string) {}
  async get() {
    return this.token;
  }
  async invalidate() {
    return false;
  }
}

export interface RefreshTokenOptions {
  redis: RedisConnection;
  /** Key namespace (the BullMQ prefix, so tests stay apart). */
  prefix: string;
  refreshToken: string;
  /** GET /authentication/token with header refreshToken. */
  exchange: () => Promise<{ token: string; expiresInSeconds: number }>;
  refreshMarginMs?: number;
  /** How long a replica waits for another replica's renewal before trying itself. */
  lockMs?: number;
  onRenew?: (reason: 'missing' | 'expiring') => void;
}

/**
 * BEDS24_WRITE_REFRESH_TOKEN: short-lived access tokens shared by every replica through Redis
 * (getting a token costs credits, so N replicas seeing it die at once still ask Beds24 once).
 */
export class RefreshTokenSource implements Beds24TokenSource {
  private readonly shared: SharedToken;

  constructor(opts: RefreshTokenOptions) {
    const h = createHash('sha256').update(opts.refreshToken).digest('hex').slice(0, 16);
    this.shared = new SharedToken({
      redis: opts.redis,
      key: `${opts.prefix}:beds24:token:${h}`,
      provider: 'Beds24',
      fetchToken: opts.exchange,
      refreshMarginMs: opts.refreshMarginMs ?? 10 * 60_000,
      lockMs: opts.lockMs,
      onRenew: opts.onRenew,
    });
  }

  get(): Promise<string> {
    return this.shared.get();
  }

  async invalidate(rejected: string): Promise<boolean> {
    await this.shared.forget(rejected);
    return true;
  }
}
