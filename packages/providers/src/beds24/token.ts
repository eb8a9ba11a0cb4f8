import { SharedToken, type TokenSharing } from '../shared-token.ts';

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

export interface RefreshTokenOptions extends TokenSharing {
  refreshToken: string;
  /** GET /authentication/token with header refreshToken. */
  exchange: () => Promise<{ token: string; expiresInSeconds: number }>;
}

/**
 * BEDS24_WRITE_REFRESH_TOKEN: short-lived access tokens shared by every replica through Redis
 * (getting a token costs credits, so N replicas seeing it die at once still ask Beds24 once).
 */
export class RefreshTokenSource implements Beds24TokenSource {
  private readonly shared: SharedToken;

  constructor({ refreshToken, exchange, ...sharing }: RefreshTokenOptions) {
    this.shared = new SharedToken({
      ...sharing,
      provider: 'Beds24',
      credentials: [refreshToken],
      fetchToken: exchange,
      refreshMarginMs: sharing.refreshMarginMs ?? 10 * 60_000,
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
