import { HttpClient, PermanentError, type ProviderBudget, type RedisConnection } from '@cauce/base';
import type { Dispatcher } from 'undici';
import { BEDS24_STATUSES, beds24Envelope, beds24Message } from './mapper.ts';
import { type Beds24TokenSource, RefreshTokenSource, StaticTokenSource } from './token.ts';

export const BEDS24_BASE_URL = 'https://api.beds24.com/v2';

/** The includes every fetch asks for (messages have no include: they come from /bookings/messages). */
export const BOOKING_INCLUDES = { includeInvoiceItems: true, includeInfoItems: true } as const;

export interface Beds24Call {
  /** "GET /bookings", "GET /bookings/messages", "GET /authentication/token". */
  endpoint: string;
  status: number;
  durationMs: number;
}

export interface Beds24Credits {
  remaining: number | null;
  resetsInSeconds: number | null;
  cost: number | null;
}

/** Reads the credit headers in both spellings seen (spec: X-FiveMinCreditLimit-*, live: x-five-min-limit-*). */
export function readCreditHeaders(h: Record<string, string>): Beds24Credits {
  const n = (...names: string[]) => {
    for (const name of names) {
      const v = h[name.toLowerCase()];
      if (v !== undefined && v !== '' && Number.isFinite(Number(v))) return Number(v);
    }
    return null;
  };
  return {
    remaining: n('x-fivemincreditlimit-remaining', 'x-five-min-limit-remaining'),
    resetsInSeconds: n('x-fivemincreditlimit-resetsin', 'x-five-min-limit-resets-in'),
    cost: n('x-requestcost', 'x-request-cost'),
  };
}

export interface Beds24ClientOptions {
  baseUrl?: string;
  /** Long-life read token (BEDS24_TOKEN)… */
  token?: string;
  /** …or a refresh token exchanged for access tokens (BEDS24_WRITE_REFRESH_TOKEN). */
  refreshToken?: string;
  redis: RedisConnection;
  /** Namespace for the shared token in Redis. */
  keyPrefix: string;
  timeoutMs?: number;
  retries?: number;
  retryBaseMs?: number;
  /** Longest Retry-After waited inside a call; longer ones go back to the queue. */
  maxWaitMs?: number;
  /** The account's fleet-wide credit budget (`beds24CreditBudget`), fed by the credit headers. */
  budget?: ProviderBudget;
  tokenRefreshMarginMs?: number;
  onCall?: (call: Beds24Call) => void;
  onCredits?: (credits: Beds24Credits) => void;
  onTokenRenew?: (reason: 'missing' | 'expiring') => void;
  dispatcher?: Dispatcher;
}

export interface FetchedBooking {
  booking: Record<string, unknown>;
  messages: unknown[];
}

export interface BookingListQuery {
  arrivalFrom?: string;
  arrivalTo?: string;
  modifiedFrom?: string;
  modifiedTo?: string;
  propertyId?: string;
}

export interface BookingPage {
  bookings: Record<string, unknown>[];
  nextPageExists: boolean;
}

const endpointOf = (path: string) => `GET ${path.split('?')[0]}`;

/**
 * Beds24 API V2 client on the shared HttpClient. Always asks for every status (Beds24 leaves
 * cancelled bookings out otherwise), shares tokens and the credit budget across replicas in Redis
 * (the budget waits before a call when the fleet has spent the account's credits).
 */
export class Beds24Client {
  readonly tokens: Beds24TokenSource;
  private readonly http: HttpClient;
  private readonly authHttp: HttpClient;

  constructor(opts: Beds24ClientOptions) {
    const baseUrl = opts.baseUrl ?? BEDS24_BASE_URL;
    const maxWait = opts.maxWaitMs ?? 30_000;
    const onResponse = (r: {
      path: string;
      status: number;
      durationMs: number;
      headers: Record<string, string>;
    }) => {
      opts.onCall?.({ endpoint: endpointOf(r.path), status: r.status, durationMs: r.durationMs });
      const credits = readCreditHeaders(r.headers);
      if (credits.remaining !== null) opts.onCredits?.(credits);
    };
    const common = {
      provider: 'beds24',
      baseUrl,
      timeoutMs: opts.timeoutMs ?? 30_000,
      retries: opts.retries ?? 2,
      retryBaseMs: opts.retryBaseMs ?? 250,
      maxRetryDelayMs: maxWait,
      onResponse,
      dispatcher: opts.dispatcher,
      // Token exchanges cost credits too.
      budget: opts.budget,
    };
    this.authHttp = new HttpClient({ ...common, retries: 1 });
    if (opts.refreshToken) {
      const refreshToken = opts.refreshToken;
      this.tokens = new RefreshTokenSource({
        redis: opts.redis,
        prefix: opts.keyPrefix,
        refreshToken,
        refreshMarginMs: opts.tokenRefreshMarginMs,
        onRenew: opts.onTokenRenew,
        exchange: () => this.exchange(refreshToken),
      });
    } else if (opts.token) {
      this.tokens = new StaticTokenSource(opts.token);
    } else {
      throw new PermanentError('Beds24 needs BEDS24_TOKEN or BEDS24_WRITE_REFRESH_TOKEN', {
        provider: 'beds24',
      });
    }
    this.http = new HttpClient({
      ...common,
      headers: async () => ({ token: await this.tokens.get() }),
      onUnauthorized: (sent) => this.tokens.invalidate(sent.token ?? ''),
    });
  }

  private async exchange(refreshToken: string) {
    const res = await this.authHttp.get<{ token?: string; expiresIn?: number }>(
      '/authentication/token',
      undefined,
      { headers: { refreshToken }, credentials: true },
    );
    if (!res.body?.token)
      throw new PermanentError('Beds24 /authentication/token answered without a token', {
        provider: 'beds24',
      });
    return { token: res.body.token, expiresInSeconds: Number(res.body.expiresIn ?? 86_400) };
  }

  private async page(query: Record<string, string | number | boolean | string[] | undefined>) {
    const res = await this.http.get('/bookings', query);
    const env = beds24Envelope.safeParse(res.body);
    if (!env.success || !env.data.success)
      throw new PermanentError(`Beds24 GET /bookings: unexpected response`, {
        provider: 'beds24',
        body: res.body,
      });
    return {
      bookings: env.data.data.filter((d): d is Record<string, unknown> => !!d && typeof d === 'object'),
      nextPageExists: env.data.pages?.nextPageExists ?? false,
    };
  }

  /** One booking by id, in any status (cancelled too), with its items; null when Beds24 has none. */
  async getBooking(bookingId: string, { withMessages = true } = {}): Promise<FetchedBooking | null> {
    return (await this.getBookings([bookingId], { withMessages })).get(String(bookingId)) ?? null;
  }

  /**
   * Several bookings by id in one request (`id[]`, every status, with items) and their messages in
   * one more: a burst of webhooks for different bookings costs two calls, not two per booking.
   * Bookings Beds24 does not know are absent from the map.
   */
  async getBookings(
    bookingIds: readonly string[],
    { withMessages = true } = {},
  ): Promise<Map<string, FetchedBooking>> {
    const ids = [...new Set(bookingIds.map(String))];
    const found = new Map<string, FetchedBooking>();
    if (!ids.length) return found;
    // Both requests at once: the messages call is wasted only for unknown ids (rare).
    const [bookings, messages] = await Promise.all([
      this.allPages({ id: ids, status: [...BEDS24_STATUSES], ...BOOKING_INCLUDES }),
      withMessages ? this.getMessages(ids) : Promise.resolve([]),
    ]);
    const wanted = new Set(ids);
    for (const booking of bookings) {
      const id = String(booking.id);
      if (wanted.has(id)) found.set(id, { booking, messages: [] });
    }
    for (const m of messages) found.get(String(m.bookingId))?.messages.push(m);
    return found;
  }

  private async allPages(query: Record<string, string | number | boolean | string[] | undefined>) {
    const out: Array<Record<string, unknown>> = [];
    for (let page = 1; ; page++) {
      const res = await this.page({ ...query, page });
      out.push(...res.bookings);
      if (!res.nextPageExists) return out;
    }
  }

  /** One page of the bookings list (every status, with items). Pages start at 1. */
  listBookings(q: BookingListQuery, page: number): Promise<BookingPage> {
    return this.page({
      arrivalFrom: q.arrivalFrom,
      arrivalTo: q.arrivalTo,
      modifiedFrom: q.modifiedFrom,
      modifiedTo: q.modifiedTo,
      propertyId: q.propertyId,
      status: [...BEDS24_STATUSES],
      ...BOOKING_INCLUDES,
      page,
    });
  }

  /** Messages of the given bookings (all pages). */
  async getMessages(bookingIds: readonly string[]): Promise<Array<Record<string, unknown>>> {
    if (!bookingIds.length) return [];
    const out: Array<Record<string, unknown>> = [];
    for (let page = 1; ; page++) {
      const res = await this.http.get('/bookings/messages', { bookingId: [...bookingIds], page });
      const env = beds24Envelope.safeParse(res.body);
      if (!env.success || !env.data.success)
        throw new PermanentError('Beds24 GET /bookings/messages: unexpected response', {
          provider: 'beds24',
        });
      for (const m of env.data.data) {
        const parsed = beds24Message.safeParse(m);
        if (parsed.success) out.push(parsed.data as Record<string, unknown>);
      }
      if (!env.data.pages?.nextPageExists) return out;
    }
  }

  async close() {
    await Promise.all([this.http.close(), this.authHttp.close()]);
  }
}
