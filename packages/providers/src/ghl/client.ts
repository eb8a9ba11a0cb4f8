import { HttpClient, type HttpClientOptions, PermanentError, type ProviderBudget } from '@cauce/base';
import type { GhlContact } from './mapper.ts';

export interface GhlClientOptions {
  baseUrl: string;
  token: string;
  locationId: string;
  timeoutMs?: number;
  retries?: number;
  /** The location's fleet-wide budget (GHL allows 100 requests per 10 s per location). */
  budget?: ProviderBudget;
  onResponse?: HttpClientOptions['onResponse'];
}

export interface GhlSearchPage {
  contacts: GhlContact[];
  total: number;
  /** Cursor for the next page: the last contact's searchAfter (null at the end). */
  next: Array<string | number> | null;
}

/** GoHighLevel API v2 contacts client: POST /contacts/search with the searchAfter cursor (no 10k cap). */
export class GhlClient {
  private readonly http: HttpClient;

  constructor(private readonly opts: GhlClientOptions) {
    this.http = new HttpClient({
      provider: 'ghl',
      baseUrl: opts.baseUrl,
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
      budget: opts.budget,
      headers: () => ({ authorization: `Bearer ${opts.token}`, version: '2021-07-28' }),
      onResponse: opts.onResponse,
    });
  }

  async searchContacts(
    pageLimit: number,
    searchAfter?: Array<string | number> | null,
  ): Promise<GhlSearchPage> {
    const res = await this.http.post<{ contacts?: GhlContact[]; total?: number }>('/contacts/search', {
      locationId: this.opts.locationId,
      pageLimit,
      ...(searchAfter ? { searchAfter } : {}),
      sort: [{ field: 'dateAdded', direction: 'asc' }],
    });
    const contacts = res.body?.contacts;
    if (!Array.isArray(contacts)) throw new PermanentError('ghl /contacts/search: no contacts array');
    const last = contacts.at(-1);
    const next = contacts.length === pageLimit && last?.searchAfter ? last.searchAfter : null;
    return { contacts, total: res.body.total ?? 0, next };
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
