import { createHash } from 'node:crypto';
import type { RedisConnection } from '@cauce/base';
import { SharedToken } from '../shared-token.ts';

export interface TokenStoreOptions {
  redis: RedisConnection;
  /** Key namespace (the BullMQ prefix, so tests stay apart). */
  prefix: string;
  username: string;
  accessKey: string;
  /** Exchanges the credentials for a token (POST /auth). */
  fetchToken: () => Promise<{ token: string; expiresInSeconds: number }>;
  /** Renew this long before expiry, so no request goes out with a token about to die. */
  refreshMarginMs?: number;
  /** How long a replica waits for another replica's renewal before fetching itself. */
  lockMs?: number;
  /** Observes renewals (metrics): missing = none cached (first use, or dropped after a 401). */
  onRenew?: (reason: 'missing' | 'expiring') => void;
}

/**
 * One SIIGO access token for every replica: cached in Redis (keyed by username + access key,
 * as providers.md advises), renewed before expiry and after a 401, one renewal per fleet.
 */
export class SiigoTokenStore {
  private readonly shared: SharedToken;

  constructor(opts: TokenStoreOptions) {
    const id = createHash('sha256').update(`${opts.username}\0${opts.accessKey}`).digest('hex').slice(0, 16);
    this.shared = new SharedToken({
      redis: opts.redis,
      key: `${opts.prefix}:siigo:token:${id}`,
      provider: 'SIIGO',
      fetchToken: opts.fetchToken,
      refreshMarginMs: opts.refreshMarginMs ?? 5 * 60_000,
      lockMs: opts.lockMs,
      onRenew: opts.onRenew,
    });
  }

  /** A valid token: local copy, else Redis, else a renewal (one per fleet). */
  get(): Promise<string> {
    return this.shared.get();
  }

  /** After a 401: forget `rejected` (only if nobody replaced it yet); the next get() renews. */
  invalidate(rejected: string): Promise<void> {
    return this.shared.forget(rejected);
  }
}
