import { SharedToken, type TokenSharing } from '../shared-token.ts';

export interface TokenStoreOptions extends TokenSharing {
  username: string;
  accessKey: string;
  /** Exchanges the credentials for a token (POST /auth). */
  fetchToken: () => Promise<{ token: string; expiresInSeconds: number }>;
}

/**
 * One SIIGO access token for every replica: cached in Redis (keyed by username + access key,
 * as providers.md advises), renewed before expiry and after a 401, one renewal per fleet.
 */
export class SiigoTokenStore {
  private readonly shared: SharedToken;

  constructor({ username, accessKey, ...sharing }: TokenStoreOptions) {
    this.shared = new SharedToken({
      ...sharing,
      provider: 'SIIGO',
      credentials: [username, accessKey],
      refreshMarginMs: sharing.refreshMarginMs ?? 5 * 60_000,
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
