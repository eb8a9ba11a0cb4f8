import { Agent, type Dispatcher, request, errors as undiciErrors } from 'undici';
import { PermanentError, RetryableError } from './errors.ts';
import type { BudgetTicket, ProviderBudget } from './provider-budget.ts';
import { redactUrl } from './secrets.ts';

export interface HttpClientOptions {
  /** Provider name, for errors and metrics. */
  provider: string;
  baseUrl: string;
  timeoutMs?: number;
  /** Extra attempts after the first for retryable failures (429, 5xx, network, timeout). */
  retries?: number;
  /** Base of the exponential backoff between retries when the server gives no Retry-After. */
  retryBaseMs?: number;
  /** Longest wait honoured from Retry-After or backoff; longer waits fail as retryable for the queue. */
  maxRetryDelayMs?: number;
  /**
   * The provider account's fleet-wide budget (Redis): every attempt takes from it and reports its
   * answer to it (429 + Retry-After, credit headers). A function picks one per request (ManyChat
   * budgets each operation).
   */
  budget?: ProviderBudget | ((req: RequestOptions) => ProviderBudget | undefined);
  /** Headers added to every request (e.g. auth); may be async to fetch a token. */
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
  /**
   * Called on 401 with the headers that request carried (so the rejected credential is the one
   * invalidated, not one another request renewed meanwhile); return true after refreshing
   * credentials to retry the request once.
   */
  onUnauthorized?: (sentHeaders: Readonly<Record<string, string>>) => Promise<boolean>;
  /** Observes every response (metrics, rate-limit headers). */
  onResponse?: (info: {
    method: string;
    path: string;
    status: number;
    durationMs: number;
    headers: Record<string, string>;
  }) => void;
  dispatcher?: Dispatcher;
}

export interface RequestOptions {
  method?: Dispatcher.HttpMethod;
  path: string;
  query?: Record<string, string | number | boolean | undefined | Array<string | number>>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Overrides the client's retries for this call (e.g. 0 for non-idempotent POSTs). */
  retries?: number;
  timeoutMs?: number;
  /**
   * This call exchanges credentials (a token endpoint): a failure's error keeps no response body,
   * which may echo what was sent. Errors never carry request headers or bodies.
   */
  credentials?: boolean;
}

export interface HttpResponse<T> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function buildUrl(baseUrl: string, path: string, query?: RequestOptions['query']): string {
  const url = new URL(path.replace(/^\//, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, String(item));
    else url.searchParams.set(k, String(v));
  }
  return url.toString();
}

/**
 * The one HTTP client for provider APIs (undici): timeouts, retries with Retry-After,
 * typed errors (RetryableError / PermanentError), the provider's fleet-wide budget and a 401 hook.
 */
export class HttpClient {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly opts: HttpClientOptions) {
    this.dispatcher = opts.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  }

  get<T = unknown>(path: string, query?: RequestOptions['query'], extra: Partial<RequestOptions> = {}) {
    return this.request<T>({ ...extra, method: 'GET', path, query });
  }

  post<T = unknown>(path: string, json?: unknown, extra: Partial<RequestOptions> = {}) {
    return this.request<T>({ ...extra, method: 'POST', path, json });
  }

  async request<T = unknown>(req: RequestOptions): Promise<HttpResponse<T>> {
    const retries = req.retries ?? this.opts.retries ?? 3;
    const base = this.opts.retryBaseMs ?? 250;
    const maxDelay = this.opts.maxRetryDelayMs ?? 30_000;
    let refreshed = false;
    const sent: { headers?: Record<string, string> } = {};
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(req, sent);
      } catch (err) {
        if (
          err instanceof PermanentError &&
          err.details.status === 401 &&
          !refreshed &&
          this.opts.onUnauthorized
        ) {
          refreshed = true;
          if (await this.opts.onUnauthorized(sent.headers ?? {})) {
            attempt--; // a credential refresh is not a retry
            continue;
          }
        }
        if (!(err instanceof RetryableError) || attempt >= retries) throw err;
        const backoff = Math.min(maxDelay, base * 2 ** attempt) * (0.5 + Math.random() / 2);
        const wait = err.details.retryAfterMs ?? backoff;
        if (wait > maxDelay) throw err; // let the queue reschedule instead of blocking a worker slot
        await sleep(wait);
      }
    }
  }

  /** One attempt; `sent.headers` receives the headers it used. */
  private async once<T>(
    req: RequestOptions,
    sent: { headers?: Record<string, string> },
  ): Promise<HttpResponse<T>> {
    const { provider } = this.opts;
    const method = req.method ?? 'GET';
    // Error messages name the path, never a token it may carry in a segment or the query.
    const where = `${provider} ${method} ${redactUrl(req.path)}`;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(await this.opts.headers?.()),
      ...req.headers,
    };
    sent.headers = headers;
    let body: string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    } else if (req.form) {
      body = new URLSearchParams(req.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const timeout = req.timeoutMs ?? this.opts.timeoutMs ?? 30_000;
    // Taken last, once the headers (maybe a token fetch) are ready: admitted means sent now.
    const budget = typeof this.opts.budget === 'function' ? this.opts.budget(req) : this.opts.budget;
    const ticket: BudgetTicket | undefined = await budget?.take();
    const started = performance.now();
    let res: Dispatcher.ResponseData;
    try {
      res = await request(buildUrl(this.opts.baseUrl, req.path, req.query), {
        method,
        headers,
        body,
        dispatcher: this.dispatcher,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout),
      });
    } catch (err) {
      // No answer: the provider may still have counted the call.
      if (budget && ticket) await budget.settle(ticket, 0, {}).catch(() => {});
      const timedOut =
        err instanceof undiciErrors.HeadersTimeoutError ||
        err instanceof undiciErrors.BodyTimeoutError ||
        (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'));
      throw new RetryableError(
        `${where}: ${timedOut ? `timed out after ${timeout} ms` : redactUrl((err as Error).message)}`,
        { provider, code: timedOut ? 'timeout' : 'network' },
      );
    }
    const answeredAt = performance.now();
    const text = await res.body.text().catch(() => '');
    const resHeaders = flattenHeaders(res.headers);
    if (budget && ticket) {
      const settled = budget.settle(ticket, res.statusCode, resHeaders, performance.now() - answeredAt);
      // A 429 (a block for every replica) or a credit report must be in place before anyone goes
      // on. A plain answer only frees its slot: that command travels ahead of this process's next
      // take on the same Redis connection, so the next request need not wait for its reply.
      if (res.statusCode === 429 || budget.readsReports) await settled;
      else settled.catch(() => {}); // unsettled, the slot stays taken until its in-flight TTL: safe
    }
    this.opts.onResponse?.({
      method,
      path: req.path,
      status: res.statusCode,
      durationMs: performance.now() - started,
      headers: resHeaders,
    });
    const parsed = parseBody(text, resHeaders['content-type']);
    if (res.statusCode >= 200 && res.statusCode < 300) {
      return { status: res.statusCode, headers: resHeaders, body: parsed as T };
    }
    const details = {
      provider,
      status: res.statusCode,
      body: req.credentials ? undefined : parsed,
      retryAfterMs: parseRetryAfter(resHeaders['retry-after']),
    };
    const message = `${where} answered ${res.statusCode}`;
    if (res.statusCode === 429 || res.statusCode >= 500 || res.statusCode === 408)
      throw new RetryableError(message, details);
    throw new PermanentError(message, details);
  }

  async close(): Promise<void> {
    if (!this.opts.dispatcher) await this.dispatcher.close();
  }
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (!text) return null;
  if (contentType?.includes('json') || /^[[{]/.test(text.trimStart())) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
