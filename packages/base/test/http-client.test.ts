import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../src/errors.ts';
import { HttpClient, parseRetryAfter } from '../src/http-client.ts';

// A real HTTP server whose answers each test scripts: the client is exercised over the wire.
let server: FastifyInstance;
let baseUrl: string;
let script: Array<{ status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }> =
  [];
let seen: Array<{ url: string; headers: Record<string, unknown>; body: unknown; at: number }> = [];

beforeAll(async () => {
  server = Fastify();
  server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, b, done) =>
    done(null, b),
  );
  server.all('/*', async (req, reply) => {
    seen.push({ url: req.url, headers: req.headers, body: req.body, at: Date.now() });
    const next = script.shift() ?? { status: 200, body: { ok: true } };
    if (next.delayMs) await new Promise((r) => setTimeout(r, next.delayMs));
    for (const [k, v] of Object.entries(next.headers ?? {})) reply.header(k, v);
    return reply.code(next.status).send(next.body ?? {});
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const addr = server.server.address();
  baseUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/api/v2`;
});
afterAll(() => server.close());
beforeEach(() => {
  script = [];
  seen = [];
});

const client = (extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
  new HttpClient({ provider: 'test', baseUrl, retries: 3, retryBaseMs: 5, timeoutMs: 2000, ...extra });

describe('HttpClient', () => {
  it('sends JSON and query strings under the base path and parses JSON answers', async () => {
    script = [{ status: 200, body: { data: [1, 2] } }];
    const res = await client({ headers: () => ({ token: 'abc' }) }).request<{ data: number[] }>({
      method: 'POST',
      path: '/bookings',
      query: { id: [1, 2], includeInvoiceItems: true, skip: undefined },
      json: { a: 'ñ' },
    });
    expect(res.body).toEqual({ data: [1, 2] });
    expect(seen[0]!.url).toBe('/api/v2/bookings?id=1&id=2&includeInvoiceItems=true');
    expect(seen[0]!.headers.token).toBe('abc');
    expect(seen[0]!.body).toEqual({ a: 'ñ' });
  });

  it('retries 5xx and succeeds', async () => {
    script = [{ status: 500 }, { status: 502 }, { status: 200, body: { ok: 1 } }];
    const res = await client().get('/x');
    expect(res.body).toEqual({ ok: 1 });
    expect(seen).toHaveLength(3);
  });

  it('honours Retry-After on 429', async () => {
    script = [{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }];
    await client().get('/x');
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('gives up after the retries with a RetryableError carrying status and Retry-After', async () => {
    script = [{ status: 503 }, { status: 503 }, { status: 503, headers: { 'retry-after': '0' } }];
    const err = await client({ retries: 2 })
      .get('/x')
      .catch((e) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.details).toMatchObject({ provider: 'test', status: 503, retryAfterMs: 0 });
    expect(seen).toHaveLength(3);
  });

  it('does not block a worker on a long Retry-After: it fails retryable for the queue to reschedule', async () => {
    script = [{ status: 429, headers: { 'retry-after': '120' } }];
    const err = await client({ maxRetryDelayMs: 5000 })
      .get('/x')
      .catch((e) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.details.retryAfterMs).toBe(120_000);
    expect(seen).toHaveLength(1);
  });

  it('fails fast with a PermanentError on other 4xx', async () => {
    script = [{ status: 404, body: { success: false, error: 'not found' } }];
    const err = await client()
      .get('/x')
      .catch((e) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err.details).toMatchObject({ status: 404, body: { success: false, error: 'not found' } });
    expect(seen).toHaveLength(1);
  });

  it('refreshes credentials once on 401 and retries', async () => {
    let token = 'old';
    let refreshes = 0;
    const rejected: Array<string | undefined> = [];
    script = [{ status: 401 }, { status: 200, body: { ok: true } }];
    const c = client({
      headers: () => ({ token }),
      onUnauthorized: async (sent) => {
        refreshes++;
        rejected.push(sent.token);
        token = 'new';
        return true;
      },
    });
    await c.get('/x');
    expect(refreshes).toBe(1);
    // The credential that request carried, whatever the current one is by then.
    expect(rejected).toEqual(['old']);
    expect(seen.map((s) => s.headers.token)).toEqual(['old', 'new']);
    script = [{ status: 401 }, { status: 401 }];
    await expect(c.get('/x')).rejects.toBeInstanceOf(PermanentError);
    expect(refreshes).toBe(2); // one refresh per request, never a loop
  });

  it('times out slow answers as retryable', async () => {
    script = [
      { status: 200, delayMs: 500 },
      { status: 200, delayMs: 500 },
    ];
    const err = await client({ timeoutMs: 100, retries: 1 })
      .get('/x')
      .catch((e) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.message).toMatch(/timed out after 100 ms/);
  });

  it('treats a refused connection as retryable', async () => {
    const c = new HttpClient({ provider: 'down', baseUrl: 'http://127.0.0.1:9/', retries: 0 });
    await expect(c.get('/x')).rejects.toBeInstanceOf(RetryableError);
  });

  it('sends forms url-encoded', async () => {
    await client().request({
      method: 'POST',
      path: '/oauth2/token',
      form: { grant_type: 'client_credentials' },
    });
    expect(seen[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen[0]!.body).toBe('grant_type=client_credentials');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000 + 5000).toUTCString(), 10_000)).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('HttpClient errors carry no credentials', () => {
  it('names the path with tokens masked, and keeps no body of a credential exchange', async () => {
    script = [{ status: 401, body: { error: 'bad refresh token', refreshToken: 'echoed-secret-value' } }];
    const exchange = await client()
      .get('/authentication/token', undefined, {
        headers: { refreshToken: 'sent-secret' },
        credentials: true,
      })
      .catch((e: PermanentError) => e);
    expect(exchange).toBeInstanceOf(PermanentError);
    expect((exchange as PermanentError).details.body).toBeUndefined();
    expect(JSON.stringify(exchange)).not.toContain('secret');

    script = [{ status: 404 }];
    const err = (await client()
      .get('/hooks/x?api_key=k-123456&page=2')
      .catch((e) => e)) as PermanentError;
    expect(err.message).toBe('test GET /hooks/x?api_key=[redacted]&page=2 answered 404');
  });
});
