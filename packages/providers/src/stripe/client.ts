import { HttpClient, type HttpClientOptions, PermanentError, type ProviderBudget } from '@cauce/base';

export interface StripeClientOptions {
  baseUrl: string;
  secretKey: string;
  /** Pinned API version (object fields moved in 2025). */
  apiVersion?: string;
  timeoutMs?: number;
  retries?: number;
  /** The account's fleet-wide budget (100 requests/s live, 25/s in test mode). */
  budget?: ProviderBudget;
  onResponse?: HttpClientOptions['onResponse'];
}

export const STRIPE_LISTS = ['customers', 'charges', 'payment_intents', 'invoices', 'subscriptions'] as const;
export type StripeList = (typeof STRIPE_LISTS)[number];

export interface StripeObject {
  id: string;
  created: number;
  [key: string]: unknown;
}

export interface StripeListPage {
  data: StripeObject[];
  has_more: boolean;
}

/** Stripe list endpoints with cursor pagination (newest first, starting_after = last id). */
export class StripeClient {
  private readonly http: HttpClient;

  constructor(opts: StripeClientOptions) {
    this.http = new HttpClient({
      provider: 'stripe',
      baseUrl: opts.baseUrl,
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
      budget: opts.budget,
      headers: () => ({
        authorization: `Bearer ${opts.secretKey}`,
        'stripe-version': opts.apiVersion ?? '2024-06-20',
      }),
      onResponse: opts.onResponse,
    });
  }

  async list(
    resource: StripeList,
    {
      limit = 100,
      startingAfter,
      createdGte,
    }: { limit?: number; startingAfter?: string; createdGte?: number },
  ): Promise<StripeListPage> {
    const res = await this.http.get<StripeListPage>(`/v1/${resource}`, {
      limit,
      starting_after: startingAfter,
      'created[gte]': createdGte,
      // Subscriptions leave out canceled ones unless asked.
      status: resource === 'subscriptions' ? 'all' : undefined,
    });
    if (!Array.isArray(res.body?.data)) throw new PermanentError(`stripe /v1/${resource}: no data array`);
    return res.body;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
