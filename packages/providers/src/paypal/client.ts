import { HttpClient, type HttpClientOptions, PermanentError, type ProviderBudget } from '@cauce/base';

export interface PaypalClientOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
  retries?: number;
  /** The app's fleet-wide budget (PayPal publishes none; it answers 429 to what looks abusive). */
  budget?: ProviderBudget;
  onResponse?: HttpClientOptions['onResponse'];
}

/** The longest range transaction search accepts. */
export const PAYPAL_MAX_WINDOW_MS = 31 * 24 * 3600 * 1000;

export interface PaypalTransactionPage {
  transaction_details: Array<Record<string, unknown>>;
  page: number;
  total_pages: number;
  total_items: number;
}

/** PayPal REST: client-credentials token (cached until shortly before expiry), transaction search. */
export class PaypalClient {
  private readonly http: HttpClient;
  private readonly auth: HttpClient;
  private token: { value: string; expiresAt: number } | null = null;

  constructor(opts: PaypalClientOptions) {
    const basic = Buffer.from(`${opts.clientId}:${opts.clientSecret}`).toString('base64');
    this.auth = new HttpClient({
      provider: 'paypal',
      baseUrl: opts.baseUrl,
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
      budget: opts.budget,
      headers: () => ({ authorization: `Basic ${basic}` }),
    });
    this.http = new HttpClient({
      provider: 'paypal',
      baseUrl: opts.baseUrl,
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
      budget: opts.budget,
      headers: async () => ({ authorization: `Bearer ${await this.accessToken()}` }),
      onUnauthorized: async () => {
        this.token = null;
        return true;
      },
      onResponse: opts.onResponse,
    });
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now()) return this.token.value;
    const res = await this.auth.request<{ access_token?: string; expires_in?: number }>({
      method: 'POST',
      path: '/v1/oauth2/token',
      form: { grant_type: 'client_credentials' },
      credentials: true,
    });
    if (!res.body?.access_token) throw new PermanentError('paypal token: no access_token');
    // Renew a minute early so a token never expires mid-request.
    const ttl = Math.max(0, (res.body.expires_in ?? 3600) - 60) * 1000;
    this.token = { value: res.body.access_token, expiresAt: Date.now() + ttl };
    return this.token.value;
  }

  async searchTransactions(
    start: Date,
    end: Date,
    page: number,
    pageSize = 500,
  ): Promise<PaypalTransactionPage> {
    if (end.getTime() - start.getTime() > PAYPAL_MAX_WINDOW_MS)
      throw new PermanentError('paypal transaction search: window longer than 31 days');
    const res = await this.http.get<PaypalTransactionPage>('/v1/reporting/transactions', {
      start_date: rfc3339(start),
      end_date: rfc3339(end),
      fields: 'all',
      page_size: pageSize,
      page,
    });
    if (!Array.isArray(res.body?.transaction_details))
      throw new PermanentError('paypal transaction search: no transaction_details');
    return res.body;
  }

  async close(): Promise<void> {
    await this.http.close();
    await this.auth.close();
  }
}

/** RFC 3339 with seconds, no milliseconds (what the search expects). */
export function rfc3339(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}
