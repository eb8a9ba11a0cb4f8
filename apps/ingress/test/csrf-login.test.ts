import { setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_COOKIE } from '../src/plugins/auth.ts';
import { BOARD_PATH } from '../src/routes/admin/bull-board.ts';
import { sessionCookie, startIngress, TEST_PASSWORD } from './support.ts';

/**
 * Writes authenticated by the session cookie must come from this server's own pages (Origin or
 * Referer), and POST /api/admin/login is rate limited per client address and per user name.
 */
const env = await setupTestEnv();
let ingress: Awaited<ReturnType<typeof startIngress>>;
let adminSession: string;
const HOST = 'cauce.example:3001';

beforeAll(async () => {
  ingress = await startIngress(env, {
    LOGIN_RATE_LIMIT_PER_ADDRESS: '4',
    LOGIN_RATE_LIMIT_PER_ACCOUNT: '2',
    LOGIN_RATE_LIMIT_WINDOW_MS: '600000',
    RATE_LIMIT_REDIS_TIMEOUT_MS: '10000',
  });
  adminSession = await sessionCookie(ingress.app, 'ana-admin', 'admin');
  for (const name of ['ana-login', 'bob-login', 'victor-viewer'])
    await ingress.app.accounts!.add({ name, role: 'viewer', password: TEST_PASSWORD }, 'test');
});
afterAll(async () => {
  await ingress?.close();
});

const REPLAY = '/api/admin/failures/replay';
const body = { since: new Date(0).toISOString() };
const withCookie = (headers: Record<string, string>, method: 'POST' | 'PUT' | 'GET' = 'POST', url = REPLAY) =>
  ingress.app
    .inject({
      method,
      url,
      headers: { host: HOST, ...headers },
      cookies: { [AUTH_COOKIE]: adminSession },
      ...(method === 'GET' ? {} : { payload: body }),
    })
    .then((r) => ({ status: r.statusCode, body: r.json() as { error?: string } }));

describe('cookie-authenticated writes (CSRF)', () => {
  it('are refused from another site, or with neither Origin nor Referer', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: `http://${HOST}.evil.example` },
      { referer: 'https://evil.example/page' },
      { origin: 'https://evil.example', referer: `http://${HOST}/admin/sync` },
    ];
    for (const headers of attempts) {
      const res = await withCookie(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.body.error).toBe('cross_site_request');
    }
    // Bull Board's writes and the logout too.
    expect(
      (await withCookie({ origin: 'https://evil.example' }, 'PUT', `${BOARD_PATH}/api/queues/pause`)).status,
    ).toBe(403);
    const logout = await ingress.app.inject({
      method: 'POST',
      url: '/api/admin/logout',
      headers: { host: HOST, origin: 'https://evil.example' },
      cookies: { [AUTH_COOKIE]: adminSession },
    });
    expect(logout.statusCode).toBe(403);
  });

  it('pass from this server (Origin, or Referer when no Origin is sent)', async () => {
    expect((await withCookie({ origin: `http://${HOST}` })).status).toBe(200);
    expect((await withCookie({ origin: `https://${HOST}` })).status).toBe(200);
    expect((await withCookie({ referer: `http://${HOST}/api/admin/queues/ui` })).status).toBe(200);
    // Default ports: the Host header may name them, the Origin never does.
    const res = await ingress.app.inject({
      method: 'POST',
      url: REPLAY,
      headers: { host: 'cauce.example:443', origin: 'https://cauce.example' },
      cookies: { [AUTH_COOKIE]: adminSession },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
  });

  it('leave reads, Bearer requests and cookie-less requests alone', async () => {
    expect((await withCookie({ origin: 'https://evil.example' }, 'GET', '/api/admin/failures')).status).toBe(
      200,
    );
    const bearer = await ingress.app.inject({
      method: 'POST',
      url: REPLAY,
      headers: { host: HOST, origin: 'https://evil.example', authorization: `Bearer ${ingress.admin}` },
      payload: body,
    });
    expect(bearer.statusCode).toBe(200);
    const anonymous = await ingress.app.inject({
      method: 'POST',
      url: REPLAY,
      headers: { host: HOST, origin: 'https://evil.example' },
      payload: body,
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('the session cookie is HttpOnly and SameSite=Strict', async () => {
    const res = await ingress.app.inject({
      method: 'POST',
      url: '/api/admin/login',
      remoteAddress: '192.0.2.200',
      payload: { user: 'victor-viewer', password: TEST_PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
  });
});

describe('login rate limits', () => {
  const login = (user: string, password: string, remoteAddress: string) =>
    ingress.app
      .inject({ method: 'POST', url: '/api/admin/login', remoteAddress, payload: { user, password } })
      .then((r) => ({ status: r.statusCode, retryAfter: r.headers['retry-after'], body: r.json() }));

  it('counts attempts per user name (any case), whatever address they come from', async () => {
    expect((await login('ana-login', TEST_PASSWORD, '198.51.100.1')).status).toBe(200);
    // A wrong password for the same user counts too, and so does the name in capitals.
    expect((await login('ANA-login', 'wrong password!', '198.51.100.2')).status).toBe(401);
    const limited = await login('ana-login', TEST_PASSWORD, '198.51.100.3');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: 'rate_limited' });
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    // Another user from the same address still logs in.
    expect((await login('bob-login', TEST_PASSWORD, '198.51.100.3')).status).toBe(200);
  });

  it('counts attempts per address, whatever user they name', async () => {
    const from = '203.0.113.44';
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(`user-${i}`, TEST_PASSWORD, from)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    // A body without a user name: still counted for the address.
    const bare = (remoteAddress: string) =>
      ingress.app.inject({ method: 'POST', url: '/api/admin/login', remoteAddress, payload: {} });
    expect((await bare(from)).statusCode).toBe(429);
    expect((await bare('203.0.113.45')).statusCode).toBe(400);
  });
});
