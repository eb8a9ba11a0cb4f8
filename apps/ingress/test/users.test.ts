import { createDb } from '@cauce/db';
import { createLogger, parseConfig } from '@cauce/runtime';
import { setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIngress } from '../src/app.ts';
import { ingressEnv } from '../src/config.ts';
import { createDeps } from '../src/deps.ts';
import { AUTH_COOKIE, mintToken } from '../src/plugins/auth.ts';
import { hashPassword, verifyPassword } from '../src/users/passwords.ts';
import { call, type Ingress, JWT_SECRET, startIngress } from './support.ts';

/**
 * One login for people: users with roles and scrypt hashes, server-side sessions that logout,
 * disabling and password changes end at once, the first admin from CAUCE_ADMIN_PASSWORD, and the
 * admin API under /api/admin/users.
 */
const env = await setupTestEnv();
/** A second database that never gets a user. */
const emptyEnv = await setupTestEnv();
const FIRST_PASSWORD = 'first-admin-password-1';
let ingress: Awaited<ReturnType<typeof startLogged>> & { admin: string };
let logLines: string[];
const db = createDb(env.databaseUrl, { max: 2 });

/**
 * An ingress whose log lines are kept unscrubbed (no secret masking): what our code writes. The
 * first admin's password is FIRST_PASSWORD unless `vars` says otherwise.
 */
async function startLogged(vars: Record<string, string | undefined> = {}, testEnv = env) {
  const deps = await createDeps(
    parseConfig(ingressEnv, { ...testEnv.env, JWT_SECRET, CAUCE_ADMIN_PASSWORD: FIRST_PASSWORD, ...vars }),
  );
  const lines: string[] = [];
  deps.log = createLogger('ingress-test', 'info', {}, { write: (l: string) => void lines.push(l) });
  const app = await buildIngress(deps);
  await app.ready();
  await app.firstAdmin;
  return {
    app,
    lines,
    async close() {
      await app.close();
      await deps.close();
    },
  };
}

beforeAll(async () => {
  const logged = await startLogged();
  ingress = { ...logged, admin: mintToken(logged.app, 'ana-admin', 'admin') };
  logLines = logged.lines;
});
afterAll(async () => {
  await ingress?.close();
  await db.$disconnect();
});

// biome-ignore lint/suspicious/noExplicitAny: JSON read field by field
type Reply = { status: number; body: any; cookie?: string };

/** A request as a browser with the session cookie sends it (same-origin writes carry Origin). */
async function asSession(
  app: Ingress,
  cookie: string | null,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  payload?: unknown,
): Promise<Reply> {
  const res = await app.inject({
    method,
    url,
    headers: { origin: 'http://localhost' },
    ...(cookie ? { cookies: { [AUTH_COOKIE]: cookie } } : {}),
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  const isJson = String(res.headers['content-type'] ?? '').includes('json');
  return { status: res.statusCode, body: isJson ? res.json() : res.body };
}

/** JSON login; the session cookie's value when it succeeded. */
async function login(app: Ingress, user: string, password: string): Promise<Reply> {
  const res = await app.inject({ method: 'POST', url: '/api/admin/login', payload: { user, password } });
  const cookie = /cauce_session=([^;]*)/.exec(String(res.headers['set-cookie'] ?? ''))?.[1];
  return { status: res.statusCode, body: res.json(), ...(cookie ? { cookie } : {}) };
}

const me = (app: Ingress, cookie: string) => asSession(app, cookie, 'GET', '/api/admin/me');

describe('passwords', () => {
  it('scrypt hashes carry their parameters and salt, verify only the right password, and differ per hash', async () => {
    const a = await hashPassword('una contraseña larga');
    const b = await hashPassword('una contraseña larga');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('una contraseña larga', a)).toBe(true);
    expect(await verifyPassword('una contraseña larga', b)).toBe(true);
    expect(await verifyPassword('una contraseña largA', a)).toBe(false);
    expect(await verifyPassword('una contraseña larga', 'plain-text')).toBe(false);
    expect(await verifyPassword('una contraseña larga', a.replace('scrypt$16384', 'scrypt$0'))).toBe(false);
  });
});

describe('the first admin', () => {
  it('is created from CAUCE_ADMIN_PASSWORD on the first start, and the password is never logged', async () => {
    const rows = await db.user.findMany();
    expect(rows.map((u) => [u.name, u.role, u.disabled])).toEqual([['admin', 'admin', false]]);
    expect(rows[0]!.passwordHash).toMatch(/^scrypt\$/);
    expect(logLines.join('')).toContain('created the first admin user');
    const r = await login(ingress.app, 'admin', FIRST_PASSWORD);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ user: 'admin', role: 'admin' });
    expect(logLines.join('')).not.toContain(FIRST_PASSWORD);
  });

  it('a later start with another password changes nothing; with no users and no password it warns how to add one', async () => {
    const again = await startLogged({ CAUCE_ADMIN_PASSWORD: 'some-other-password' });
    await again.close();
    expect((await login(ingress.app, 'admin', FIRST_PASSWORD)).status).toBe(200);
    expect((await login(ingress.app, 'admin', 'some-other-password')).status).toBe(401);

    const none = await startLogged({ CAUCE_ADMIN_PASSWORD: undefined }, emptyEnv);
    await none.close();
    const warning = none.lines.map((l) => JSON.parse(l)).find((l) => l.level === 40);
    expect(warning?.msg).toContain('CAUCE_ADMIN_PASSWORD is not set');
    expect(warning?.msg).toContain('npm run users -- add');
  });
});

describe('login and sessions', () => {
  let adminCookie: string;
  beforeAll(async () => {
    adminCookie = (await login(ingress.app, 'admin', FIRST_PASSWORD)).cookie!;
  });

  it('a session answers who is logged in; a Bearer token does too', async () => {
    expect((await me(ingress.app, adminCookie)).body).toEqual({
      user: 'admin',
      role: 'admin',
      via: 'session',
    });
    const bearer = await call(ingress.app, 'GET', '/api/admin/me', ingress.admin);
    expect(bearer.body).toEqual({ user: 'ana-admin', role: 'admin', via: 'token' });
    expect((await asSession(ingress.app, null, 'GET', '/api/admin/me')).status).toBe(401);
    // The session value is stored only hashed.
    const stored = await db.session.findMany();
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.map((s) => s.id)).not.toContain(adminCookie);
  });

  it('a wrong password and an unknown user get the same 401 and no cookie', async () => {
    const wrong = await login(ingress.app, 'admin', 'wrong-password-123');
    const unknown = await login(ingress.app, 'nobody-here', 'wrong-password-123');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.cookie).toBeUndefined();
    expect(unknown.cookie).toBeUndefined();
    // The name is case-insensitive.
    expect((await login(ingress.app, 'ADMIN', FIRST_PASSWORD)).status).toBe(200);
  });

  it('the session cookie works for the SSE stream', async () => {
    const base = await ingress.app.listen({ port: 0, host: '127.0.0.1' });
    const ctl = new AbortController();
    const res = await fetch(`${base}/api/stock/events`, {
      headers: { cookie: `${AUTH_COOKIE}=${adminCookie}` },
      signal: ctl.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    ctl.abort();
    const refused = await fetch(`${base}/api/stock/events`, { headers: { cookie: `${AUTH_COOKIE}=nope` } });
    expect(refused.status).toBe(401);
  });

  it('logout ends the session on the server: the same cookie sent again is refused', async () => {
    const cookie = (await login(ingress.app, 'admin', FIRST_PASSWORD)).cookie!;
    expect((await me(ingress.app, cookie)).status).toBe(200);
    const out = await ingress.app.inject({
      method: 'POST',
      url: '/api/admin/logout',
      headers: { origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
      cookies: { [AUTH_COOKIE]: cookie },
      payload: '',
    });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/api/admin/login');
    expect(String(out.headers['set-cookie'])).toMatch(/cauce_session=;/);
    expect((await me(ingress.app, cookie)).status).toBe(401);
    expect((await me(ingress.app, adminCookie)).status).toBe(200);
  });

  it('a session survives a restart of the ingress (same database, same JWT secret)', async () => {
    const other = await startIngress(env);
    try {
      expect((await me(other.app, adminCookie)).body).toMatchObject({ user: 'admin', via: 'session' });
    } finally {
      await other.close();
    }
  });
});

describe('user management API', () => {
  let adminCookie: string;
  let viewerCookie: string;
  beforeAll(async () => {
    adminCookie = (await login(ingress.app, 'admin', FIRST_PASSWORD)).cookie!;
  });

  it('an admin adds users with a role; names are unique regardless of case; the policy is enforced', async () => {
    const add = await asSession(ingress.app, adminCookie, 'POST', '/api/admin/users', {
      name: 'Vera',
      role: 'viewer',
      password: 'vera-password-1',
    });
    expect(add.status).toBe(201);
    expect(add.body.user).toMatchObject({ name: 'vera', role: 'viewer', disabled: false, lastLoginAt: null });
    expect(JSON.stringify(add.body)).not.toMatch(/scrypt|password/i);
    const dup = await asSession(ingress.app, adminCookie, 'POST', '/api/admin/users', {
      name: 'VERA',
      role: 'admin',
      password: 'another-password',
    });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ error: 'user_exists' });
    const weak = await asSession(ingress.app, adminCookie, 'POST', '/api/admin/users', {
      name: 'wes',
      role: 'viewer',
      password: 'short',
    });
    expect(weak.status).toBe(400);
    expect(weak.body.error).toBe('bad_request');
    expect(weak.body.message).toContain('at least 10 characters');
    const badRole = await asSession(ingress.app, adminCookie, 'POST', '/api/admin/users', {
      name: 'wes',
      role: 'root',
      password: 'long-enough-password',
    });
    expect(badRole.status).toBe(400);
    expect(badRole.body.message).toContain('role must be admin or viewer');
    const list = await asSession(ingress.app, adminCookie, 'GET', '/api/admin/users');
    expect(list.body.users.map((u: { name: string; role: string }) => [u.name, u.role])).toEqual([
      ['admin', 'admin'],
      ['vera', 'viewer'],
    ]);
    // Bearer admin tokens manage users too.
    expect((await call(ingress.app, 'GET', '/api/admin/users', ingress.admin)).status).toBe(200);
  });

  it('viewers get 403 on every admin action, and the viewer role everywhere else', async () => {
    const l = await login(ingress.app, 'vera', 'vera-password-1');
    expect(l.body).toMatchObject({ user: 'vera', role: 'viewer' });
    viewerCookie = l.cookie!;
    expect((await me(ingress.app, viewerCookie)).body).toMatchObject({ user: 'vera', role: 'viewer' });
    for (const [method, url, payload] of [
      ['GET', '/api/admin/users', undefined],
      ['POST', '/api/admin/users', { name: 'x', role: 'admin', password: 'long-enough-password' }],
      ['POST', '/api/admin/users/admin/disable', undefined],
      ['POST', '/api/admin/users/vera/enable', undefined],
      ['PUT', '/api/admin/users/admin/password', { password: 'long-enough-password' }],
      ['POST', '/api/admin/failures/replay', { since: new Date(0).toISOString() }],
    ] as const) {
      const res = await asSession(ingress.app, viewerCookie, method, url, payload);
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.body.error).toBe('forbidden');
    }
    expect((await asSession(ingress.app, viewerCookie, 'GET', '/api/admin/failures')).status).toBe(200);
    expect(await db.user.count()).toBe(2);
  });

  it('a disabled user cannot log in and their open session stops working at once; enabling lets them back', async () => {
    const dis = await asSession(ingress.app, adminCookie, 'POST', '/api/admin/users/vera/disable');
    expect(dis.status).toBe(200);
    expect(dis.body.user).toMatchObject({ name: 'vera', disabled: true });
    expect((await me(ingress.app, viewerCookie)).status).toBe(401);
    const refused = await login(ingress.app, 'vera', 'vera-password-1');
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('user_disabled');
    expect(refused.cookie).toBeUndefined();
    expect((await asSession(ingress.app, adminCookie, 'POST', '/api/admin/users/vera/enable')).status).toBe(
      200,
    );
    // The old session stays ended; a new login works.
    expect((await me(ingress.app, viewerCookie)).status).toBe(401);
    const back = await login(ingress.app, 'vera', 'vera-password-1');
    expect(back.status).toBe(200);
    viewerCookie = back.cookie!;
    const missing = await asSession(ingress.app, adminCookie, 'POST', '/api/admin/users/nobody/disable');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'user_not_found' });
  });

  it('the last enabled admin cannot be disabled', async () => {
    const res = await asSession(ingress.app, adminCookie, 'POST', '/api/admin/users/admin/disable');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'last_admin' });
    expect((await me(ingress.app, adminCookie)).status).toBe(200);
  });

  it('an admin changing a password ends every session of that user; the old password stops working', async () => {
    const second = (await login(ingress.app, 'vera', 'vera-password-1')).cookie!;
    const set = await asSession(ingress.app, adminCookie, 'PUT', '/api/admin/users/vera/password', {
      password: 'vera-new-password',
    });
    expect(set.status).toBe(200);
    expect((await me(ingress.app, viewerCookie)).status).toBe(401);
    expect((await me(ingress.app, second)).status).toBe(401);
    expect((await login(ingress.app, 'vera', 'vera-password-1')).status).toBe(401);
    const l = await login(ingress.app, 'vera', 'vera-new-password');
    expect(l.status).toBe(200);
    viewerCookie = l.cookie!;
  });

  it('a user changes their own password with the current one: that session stays, the others end', async () => {
    const other = (await login(ingress.app, 'vera', 'vera-new-password')).cookie!;
    const url = '/api/admin/users/vera/password';
    const noCurrent = await asSession(ingress.app, viewerCookie, 'PUT', url, {
      password: 'vera-third-password',
    });
    expect(noCurrent.status).toBe(401);
    const weak = await asSession(ingress.app, viewerCookie, 'PUT', url, {
      password: 'short',
      currentPassword: 'vera-new-password',
    });
    expect(weak.status).toBe(400);
    const ok = await asSession(ingress.app, viewerCookie, 'PUT', url, {
      password: 'vera-third-password',
      currentPassword: 'vera-new-password',
    });
    expect(ok.status).toBe(200);
    expect((await me(ingress.app, viewerCookie)).status).toBe(200);
    expect((await me(ingress.app, other)).status).toBe(401);
    expect((await login(ingress.app, 'vera', 'vera-third-password')).status).toBe(200);
  });

  it('each change is an audit line naming who did it, never with a password', async () => {
    const audit = logLines.map((l) => JSON.parse(l)).filter((l) => l.audit);
    const actions = audit.map((l) => `${l.audit} ${l.user} by ${l.by}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'user.add admin by startup',
        'user.add vera by admin',
        'user.disable vera by admin',
        'user.enable vera by admin',
        'user.passwd vera by admin',
        'user.passwd vera by vera',
      ]),
    );
    const all = logLines.join('');
    for (const p of ['vera-password-1', 'vera-new-password', 'vera-third-password', FIRST_PASSWORD])
      expect(all).not.toContain(p);
  });
});
