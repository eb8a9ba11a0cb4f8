import { setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_COOKIE } from '../src/plugins/auth.ts';
import { BOARD_PATH } from '../src/routes/admin/bull-board.ts';
import { startIngress } from './support.ts';

/**
 * Tokens signed with the real JWT secret whose role is not one of ROLES: names of inherited
 * object properties (which a `RANK[role]` lookup finds), other strings, and non-strings. Every
 * surface refuses them: admin API, Bull Board (Bearer, and as a would-be session cookie), the
 * pages' APIs, the stock SSE stream and the login.
 */
const env = await setupTestEnv();
let ingress: Awaited<ReturnType<typeof startIngress>>;

const BAD_ROLES: unknown[] = [
  'constructor',
  '__proto__',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'Admin',
  'superadmin',
  '',
  null,
  2,
  ['admin'],
  { admin: true },
];
let tokens: Array<{ role: unknown; token: string }>;

beforeAll(async () => {
  // Every bad token is tried at the login twice, from one address and for one subject: above the login limits.
  ingress = await startIngress(env, {
    LOGIN_RATE_LIMIT_PER_ADDRESS: '1000',
    LOGIN_RATE_LIMIT_PER_ACCOUNT: '1000',
  });
  const app = ingress.app;
  tokens = BAD_ROLES.map((role) => ({ role, token: app.jwt.sign({ sub: 'mallory', role } as never) }));
  // A token with no role at all, and one with an admin role but no subject.
  tokens.push({ role: 'missing', token: app.jwt.sign({ sub: 'mallory' } as never) });
  tokens.push({ role: 'admin without sub', token: app.jwt.sign({ role: 'admin' } as never) });
});
afterAll(async () => {
  await ingress?.close();
});

type Req = { method: 'GET' | 'POST' | 'PUT'; url: string; payload?: object };
const SURFACES: Req[] = [
  { method: 'GET', url: '/api/admin/failures' },
  { method: 'GET', url: '/api/admin/queues/stats' },
  { method: 'POST', url: '/api/admin/failures/replay', payload: { since: new Date(0).toISOString() } },
  { method: 'POST', url: '/api/admin/webhooks/1/replay' },
  { method: 'GET', url: '/api/orders' },
  { method: 'POST', url: '/api/orders/retry-failed' },
  { method: 'GET', url: '/api/sync/summary' },
  { method: 'POST', url: '/api/sync/unify' },
  { method: 'GET', url: '/api/whatsapp/numbers' },
  { method: 'GET', url: '/api/stock/stats' },
  { method: 'POST', url: '/api/stock/sync' },
  { method: 'GET', url: '/api/stock/events' },
  { method: 'GET', url: `${BOARD_PATH}/api/queues` },
  { method: 'PUT', url: `${BOARD_PATH}/api/queues/pause` },
];

describe('tokens with an unknown role', () => {
  it('are refused with 401 by every Bearer surface (admin API, pages, SSE, Bull Board)', async () => {
    const wrong: string[] = [];
    for (const { role, token } of tokens)
      for (const s of SURFACES) {
        const res = await ingress.app.inject({
          method: s.method,
          url: s.url,
          headers: { authorization: `Bearer ${token}` },
          ...(s.payload ? { payload: s.payload } : {}),
        });
        if (res.statusCode !== 401)
          wrong.push(`${JSON.stringify(role)} ${s.method} ${s.url}: ${res.statusCode}`);
      }
    expect(wrong).toEqual([]);
  });

  it('are refused by Bull Board when sent as the cookie (the page goes to the login)', async () => {
    for (const { role, token } of tokens) {
      const api = await ingress.app.inject({
        method: 'GET',
        url: `${BOARD_PATH}/api/queues`,
        cookies: { [AUTH_COOKIE]: token },
      });
      expect(api.statusCode, JSON.stringify(role)).toBe(401);
      const page = await ingress.app.inject({
        method: 'GET',
        url: `${BOARD_PATH}/`,
        cookies: { [AUTH_COOKIE]: token },
      });
      expect(page.statusCode, JSON.stringify(role)).toBe(302);
      expect(page.headers.location).toMatch(/^\/api\/admin\/login\?next=/);
    }
  });

  it('cannot log in (the login takes a user name and password, not a token): no cookie', async () => {
    for (const { role, token } of tokens) {
      const json = await ingress.app.inject({
        method: 'POST',
        url: '/api/admin/login',
        payload: { token },
      });
      expect(json.statusCode, JSON.stringify(role)).toBe(400);
      expect(json.headers['set-cookie'], JSON.stringify(role)).toBeUndefined();
      const form = await ingress.app.inject({
        method: 'POST',
        url: '/api/admin/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ token }).toString(),
      });
      expect(form.statusCode, JSON.stringify(role)).toBe(400);
      expect(form.headers['set-cookie'], JSON.stringify(role)).toBeUndefined();
      // Nor as the password of a user named after its subject.
      const asPassword = await ingress.app.inject({
        method: 'POST',
        url: '/api/admin/login',
        payload: { user: 'mallory', password: token },
      });
      expect(asPassword.statusCode, JSON.stringify(role)).toBe(401);
      expect(asPassword.headers['set-cookie'], JSON.stringify(role)).toBeUndefined();
    }
  });

  it('while the real roles still work', async () => {
    const get = (url: string, token: string) =>
      ingress.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    expect((await get('/api/admin/failures', ingress.viewer)).statusCode).toBe(200);
    expect((await get(`${BOARD_PATH}/api/queues`, ingress.viewer)).statusCode).toBe(200);
    const replay = await ingress.app.inject({
      method: 'POST',
      url: '/api/admin/failures/replay',
      headers: { authorization: `Bearer ${ingress.viewer}` },
      payload: { since: new Date(0).toISOString() },
    });
    expect(replay.statusCode).toBe(403);
    const asAdmin = await ingress.app.inject({
      method: 'POST',
      url: '/api/admin/failures/replay',
      headers: { authorization: `Bearer ${ingress.admin}` },
      payload: { since: new Date(0).toISOString() },
    });
    expect(asAdmin.statusCode).toBe(200);
  });
});
