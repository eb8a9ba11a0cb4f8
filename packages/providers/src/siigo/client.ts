import { HttpClient, PermanentError, type ProviderBudget, type RedisConnection } from '@cauce/base';
import type { Dispatcher } from 'undici';
import {
  type SiigoProduct,
  type SiigoProductsPage,
  type SiigoSubscription,
  siigoProduct,
  siigoProductsEnvelope,
  siigoSubscription,
  siigoSubscriptionList,
} from './mapper.ts';
import { SiigoTokenStore } from './token.ts';

/** SIIGO accepts 3 to 100 alphanumeric characters; a hyphen is rejected (providers.md). */
export const PARTNER_ID_RE = /^[A-Za-z0-9]{3,100}$/;

export interface SiigoCall {
  /** Route template, e.g. "GET /v1/products/:id" (bounded label cardinality). */
  endpoint: string;
  status: number;
  durationMs: number;
}

export interface SiigoClientOptions {
  /** https://api.siigo.com in production; provider-sim serves it under /siigo. */
  baseUrl: string;
  username: string;
  accessKey: string;
  partnerId: string;
  redis: RedisConnection;
  /** Namespace for the shared token in Redis. */
  keyPrefix: string;
  timeoutMs?: number;
  /** Extra attempts on 429/5xx/network errors inside one call. */
  retries?: number;
  retryBaseMs?: number;
  /** The company's fleet-wide budget (SIIGO allows 100 requests/min per company), auth included. */
  budget?: ProviderBudget;
  tokenRefreshMarginMs?: number;
  onCall?: (call: SiigoCall) => void;
  onTokenRenew?: (reason: 'missing' | 'expiring') => void;
  dispatcher?: Dispatcher;
}

/** Maps a concrete path to its route template for metrics. */
export function endpointOf(method: string, path: string): string {
  const p = path
    .split('?')[0]!
    .replace(/^\/v1\/products\/[^/]+$/, '/v1/products/:id')
    .replace(/^\/v1\/webhooks\/[^/]+$/, '/v1/webhooks/:id');
  return `${method} ${p}`;
}

/**
 * SIIGO API client (products and webhook subscriptions) on the shared HttpClient: Bearer token
 * from the Redis-backed token store, Partner-Id on every request, one renewal on a 401, pacing.
 */
export class SiigoClient {
  readonly tokens: SiigoTokenStore;
  private readonly http: HttpClient;
  private readonly authHttp: HttpClient;

  constructor(private readonly opts: SiigoClientOptions) {
    if (!PARTNER_ID_RE.test(opts.partnerId)) {
      throw new PermanentError(
        `SIIGO Partner-Id "${opts.partnerId}" is invalid: 3 to 100 letters or digits, no hyphens or spaces`,
        { provider: 'siigo', code: 'invalid_partner_id' },
      );
    }
    const onResponse = (r: { method: string; path: string; status: number; durationMs: number }) =>
      opts.onCall?.({ endpoint: endpointOf(r.method, r.path), status: r.status, durationMs: r.durationMs });
    const common = {
      provider: 'siigo',
      baseUrl: opts.baseUrl,
      timeoutMs: opts.timeoutMs ?? 30_000,
      retries: opts.retries ?? 2,
      retryBaseMs: opts.retryBaseMs ?? 250,
      onResponse,
      dispatcher: opts.dispatcher,
      budget: opts.budget,
    };
    this.authHttp = new HttpClient({ ...common, headers: () => ({ 'Partner-Id': opts.partnerId }) });
    this.tokens = new SiigoTokenStore({
      redis: opts.redis,
      prefix: opts.keyPrefix,
      username: opts.username,
      accessKey: opts.accessKey,
      refreshMarginMs: opts.tokenRefreshMarginMs,
      onRenew: opts.onTokenRenew,
      fetchToken: () => this.authenticate(),
    });
    this.http = new HttpClient({
      ...common,
      headers: async () => {
        const token = await this.tokens.get();
        return { Authorization: `Bearer ${token}`, 'Partner-Id': opts.partnerId };
      },
      onUnauthorized: async (sent) => {
        await this.tokens.invalidate(sent.Authorization?.replace(/^Bearer /, '') ?? '');
        return true;
      },
    });
  }

  /** POST /auth: username + access key for a 24 h JWT. */
  private async authenticate(): Promise<{ token: string; expiresInSeconds: number }> {
    const res = await this.authHttp.post<{ access_token?: string; expires_in?: number }>(
      '/auth',
      { username: this.opts.username, access_key: this.opts.accessKey },
      { credentials: true },
    );
    const token = res.body?.access_token;
    if (!token) throw new PermanentError('SIIGO /auth answered without access_token', { provider: 'siigo' });
    return { token, expiresInSeconds: Number(res.body.expires_in ?? 86_400) };
  }

  async listProducts(page: number, pageSize: number): Promise<SiigoProductsPage> {
    const res = await this.http.get('/v1/products', { page, page_size: pageSize });
    const env = siigoProductsEnvelope.safeParse(res.body);
    if (!env.success)
      throw new PermanentError(
        `SIIGO GET /v1/products: unexpected response (${env.error.issues[0]?.message})`,
        {
          provider: 'siigo',
          code: 'invalid_response',
        },
      );
    const out: SiigoProductsPage = { pagination: env.data.pagination, results: [], invalid: [] };
    for (const item of env.data.results) {
      const p = siigoProduct.safeParse(item);
      if (p.success) out.results.push(p.data);
      else {
        const id = (item as { id?: unknown } | null)?.id;
        out.invalid.push({
          id: typeof id === 'string' ? id : null,
          issues: p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
        });
      }
    }
    return out;
  }

  /** Every page, in order; stops when the pages cover total_results or a page comes back empty. */
  async *productPages(pageSize: number, startPage = 1): AsyncGenerator<SiigoProductsPage> {
    for (let page = startPage; ; page++) {
      const res = await this.listProducts(page, pageSize);
      yield res;
      const { total_results, page_size } = res.pagination;
      if (res.results.length + res.invalid.length === 0 || page * (page_size || pageSize) >= total_results)
        return;
    }
  }

  /** GET /v1/products/{id}; null when SIIGO no longer has it. */
  async getProduct(id: string): Promise<SiigoProduct | null> {
    let body: unknown;
    try {
      body = (await this.http.get(`/v1/products/${encodeURIComponent(id)}`)).body;
    } catch (err) {
      if (err instanceof PermanentError && err.details.status === 404) return null;
      throw err;
    }
    const p = siigoProduct.safeParse(body);
    if (!p.success)
      throw new PermanentError(`SIIGO product ${id} does not parse: ${p.error.issues[0]?.message}`, {
        provider: 'siigo',
        code: 'invalid_response',
      });
    return p.data;
  }

  async listWebhooks(): Promise<SiigoSubscription[]> {
    const res = await this.http.get('/v1/webhooks');
    return siigoSubscriptionList.parse(res.body ?? []);
  }

  /** One subscription per topic (SIIGO's rule). Not retried: a retry could subscribe twice. */
  async createWebhook(input: {
    applicationId: string;
    topic: string;
    url: string;
  }): Promise<SiigoSubscription> {
    const res = await this.http.post(
      '/v1/webhooks',
      { application_id: input.applicationId, topic: input.topic, url: input.url },
      { retries: 0 },
    );
    return siigoSubscription.parse(res.body);
  }

  async close(): Promise<void> {
    await Promise.all([this.http.close(), this.authHttp.close()]);
  }
}
