import { HttpClient, type HttpClientOptions, PermanentError, type ProviderBudget } from '@cauce/base';
import type { ManychatSubscriber } from './mapper.ts';

export interface ManychatClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  retries?: number;
  /** Fleet-wide budget per operation (ManyChat publishes its limits per operation and key). */
  budgets?: { findBySystemField?: ProviderBudget };
  onResponse?: HttpClientOptions['onResponse'];
}

/**
 * ManyChat public API: there is no subscriber listing, so staging looks subscribers up by the
 * emails and phones other sources already gave us (findBySystemField). Always check `status`.
 */
export class ManychatClient {
  private readonly http: HttpClient;

  constructor(opts: ManychatClientOptions) {
    this.http = new HttpClient({
      provider: 'manychat',
      baseUrl: opts.baseUrl,
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
      budget: (req) =>
        req.path.endsWith('/findBySystemField') ? opts.budgets?.findBySystemField : undefined,
      headers: () => ({ authorization: `Bearer ${opts.apiKey}` }),
      onResponse: opts.onResponse,
    });
  }

  /** One subscriber by email or phone, or null when ManyChat has none. */
  async findBySystemField(field: 'email' | 'phone', value: string): Promise<ManychatSubscriber | null> {
    try {
      const res = await this.http.get<{ status?: string; data?: unknown; message?: string }>(
        '/fb/subscriber/findBySystemField',
        { [field]: value },
      );
      if (res.body?.status !== 'success')
        throw new PermanentError(`manychat: ${res.body?.message ?? 'error status'}`);
      const d = res.body.data;
      return d && typeof d === 'object' && !Array.isArray(d) && 'id' in d ? (d as ManychatSubscriber) : null;
    } catch (err) {
      // "Subscriber not found" comes back as a 400 error body.
      if (
        err instanceof PermanentError &&
        err.details.status === 400 &&
        /not found/i.test(JSON.stringify(err.details.body))
      )
        return null;
      throw err;
    }
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
