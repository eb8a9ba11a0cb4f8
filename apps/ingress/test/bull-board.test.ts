import { ALL_QUEUES, JOBS, QUEUES } from '@cauce/queues';
import { setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED } from '../src/admin/redact.ts';
import { AUTH_COOKIE, mintToken } from '../src/plugins/auth.ts';
import { BOARD_PATH } from '../src/routes/admin/bull-board.ts';
import { call, startIngress, TEST_PASSWORD } from './support.ts';

/** Bull Board behind auth: cookie login, viewer read-only and redaction enforced by the server. */
const env = await setupTestEnv();
let ingress: Awaited<ReturnType<typeof startIngress>>;
const API = `${BOARD_PATH}/api`;

beforeAll(async () => {
  ingress = await startIngress(env);
  await ingress.app.ready();
  await ingress.app.accounts!.add({ name: 'victor-viewer', role: 'viewer', password: TEST_PASSWORD }, 'test');
  await ingress.app.accounts!.add({ name: 'ana-admin', role: 'admin', password: TEST_PASSWORD }, 'test');
  const p = ingress.deps.producer;
  await p.add(
    QUEUES.callbellNotify,
    JOBS.callbellSend,
    { orderId: 5 },
    { jobId: 'board-job-1', delay: 3_600_000 },
  );
  // A job whose data carries contact details (webhook-event jobs carry only ids; some do not).
  await p
    .queue(QUEUES.stagingCsv)
    .add(
      JOBS.stagingCsvImport,
      { importId: 'imp-1', uploadedBy: 'ana@example.com', contact: { phone: '+57 300 123 4567' } },
      { jobId: 'board-job-2', delay: 3_600_000 },
    );
});
afterAll(async () => {
  await ingress?.close();
});

describe('Bull Board auth', () => {
  it('sends a browser without a token to the login page and refuses API calls with 401', async () => {
    const page = await ingress.app.inject({
      method: 'GET',
      url: `${BOARD_PATH}/queue/${QUEUES.biginOrders}`,
    });
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe(
      `/api/admin/login?next=${encodeURIComponent(`${BOARD_PATH}/queue/${QUEUES.biginOrders}`)}`,
    );
    expect((await call(ingress.app, 'GET', `${API}/queues`, null)).status).toBe(401);
    expect((await call(ingress.app, 'PUT', `${API}/queues/pause`, null)).status).toBe(401);
    const expired = mintToken(ingress.app, 'old', 'admin', '1ms');
    await new Promise((r) => setTimeout(r, 20));
    expect((await call(ingress.app, 'GET', `${API}/queues`, expired)).status).toBe(401);
  });

  it('logs in with a form post: HttpOnly, SameSite=Strict cookie, then redirect to next', async () => {
    const bad = await ingress.app.inject({
      method: 'POST',
      url: '/api/admin/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ user: 'victor-viewer', password: 'not the password' }).toString(),
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['set-cookie']).toBeUndefined();
    expect(bad.body).toContain('Usuario o contraseña incorrectos');

    const res = await ingress.app.inject({
      method: 'POST',
      url: '/api/admin/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        user: 'Victor-Viewer',
        password: TEST_PASSWORD,
        next: `${BOARD_PATH}/`,
      }).toString(),
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${BOARD_PATH}/`);
    const cookie = String(res.headers['set-cookie']);
    const session = /^cauce_session=([\w-]{43});/.exec(cookie)?.[1];
    expect(session).toBeDefined();
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).not.toContain('Secure'); // plain HTTP here; set behind HTTPS

    const board = await ingress.app.inject({
      method: 'GET',
      url: `${BOARD_PATH}/`,
      cookies: { [AUTH_COOKIE]: session! },
    });
    expect(board.statusCode).toBe(200);
    expect(board.headers['content-type']).toContain('text/html');
    // The header's user menu names who is logged in (the board's UI config).
    expect(board.body).toContain('{"text":"victor-viewer (viewer)","url":"/api/admin/me"}');
    // A JWT is no session: as the cookie it is refused.
    const jwtCookie = await ingress.app.inject({
      method: 'GET',
      url: `${API}/queues`,
      cookies: { [AUTH_COOKIE]: ingress.viewer },
    });
    expect(jwtCookie.statusCode).toBe(401);
  });

  it('never redirects a login to another site', async () => {
    const res = await ingress.app.inject({
      method: 'POST',
      url: '/api/admin/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        user: 'victor-viewer',
        password: TEST_PASSWORD,
        next: '//evil.example/x',
      }).toString(),
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(BOARD_PATH);
    const json = await call(ingress.app, 'POST', '/api/admin/login', null, {
      user: 'ana-admin',
      password: TEST_PASSWORD,
    });
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ user: 'ana-admin', role: 'admin' });
  });

  it('logout clears the cookie', async () => {
    const res = await ingress.app.inject({ method: 'GET', url: '/api/admin/logout' });
    expect(res.statusCode).toBe(303);
    expect(String(res.headers['set-cookie'])).toMatch(/cauce_session=;.*Expires=Thu, 01 Jan 1970/);
  });
});

describe('Bull Board for viewers', () => {
  it('lists every queue, all read-only, with job data redacted', async () => {
    const res = await call(
      ingress.app,
      'GET',
      `${API}/queues?activeQueue=${QUEUES.stagingCsv}&status=delayed&page=1&jobsPerPage=10`,
      ingress.viewer,
    );
    expect(res.status).toBe(200);
    const queues = res.body.queues as Array<{
      name: string;
      readOnlyMode: boolean;
      allowRetries: boolean;
      jobs: Array<{ id: string; data: unknown }>;
    }>;
    expect(queues.map((q) => q.name).sort()).toEqual([...ALL_QUEUES].sort());
    expect(queues.every((q) => q.readOnlyMode && !q.allowRetries)).toBe(true);
    const csv = queues.find((q) => q.name === QUEUES.stagingCsv)!;
    expect(csv.jobs.map((j) => j.id)).toEqual(['board-job-2']);
    expect(csv.jobs[0]!.data).toEqual({
      importId: 'imp-1',
      uploadedBy: '[email]',
      contact: { phone: REDACTED },
    });

    const job = await call(
      ingress.app,
      'GET',
      `${API}/queues/${QUEUES.stagingCsv}/board-job-2`,
      ingress.viewer,
    );
    expect(job.status).toBe(200);
    expect(JSON.stringify(job.body)).not.toContain('ana@example.com');
    expect(JSON.stringify(job.body)).not.toContain('300 123 4567');
  });

  it('refuses every write from a viewer on the server, whatever the UI shows', async () => {
    const writes: Array<['PUT' | 'POST' | 'PATCH', string]> = [
      ['PUT', `${API}/queues/${QUEUES.callbellNotify}/board-job-1/retry`],
      ['PUT', `${API}/queues/${QUEUES.callbellNotify}/board-job-1/clean`],
      ['PUT', `${API}/queues/${QUEUES.callbellNotify}/board-job-1/promote`],
      ['PUT', `${API}/queues/${QUEUES.callbellNotify}/retry/failed`],
      ['PUT', `${API}/queues/${QUEUES.callbellNotify}/clean/delayed`],
      ['PUT', `${API}/queues/${QUEUES.callbellNotify}/pause`],
      ['PUT', `${API}/queues/${QUEUES.callbellNotify}/empty`],
      ['PUT', `${API}/queues/${QUEUES.callbellNotify}/obliterate`],
      ['PUT', `${API}/queues/pause`],
      ['POST', `${API}/queues/${QUEUES.callbellNotify}/add`],
      ['PATCH', `${API}/queues/${QUEUES.callbellNotify}/board-job-1/update-data`],
    ];
    for (const [method, url] of writes) {
      const res = await call(ingress.app, method, url, ingress.viewer, {});
      expect(res.status, `${method} ${url}`).toBe(403);
    }
    const q = ingress.deps.producer.queue(QUEUES.callbellNotify);
    expect(await q.getJob('board-job-1')).toBeTruthy();
    expect(await q.isPaused()).toBe(false);
  });
});

describe('Bull Board for admins', () => {
  it('shows data as stored and lets an admin act on jobs and queues', async () => {
    const res = await call(
      ingress.app,
      'GET',
      `${API}/queues?activeQueue=${QUEUES.stagingCsv}&status=delayed&page=1&jobsPerPage=10`,
      ingress.admin,
    );
    const csv = res.body.queues.find((q: { name: string }) => q.name === QUEUES.stagingCsv);
    expect(csv.readOnlyMode).toBe(false);
    expect(csv.jobs[0].data.uploadedBy).toBe('ana@example.com');

    const promote = await call(
      ingress.app,
      'PUT',
      `${API}/queues/${QUEUES.callbellNotify}/board-job-1/promote`,
      ingress.admin,
    );
    expect(promote.status).toBe(204);
    const q = ingress.deps.producer.queue(QUEUES.callbellNotify);
    expect(await (await q.getJob('board-job-1'))?.getState()).toBe('waiting');
    expect(
      (await call(ingress.app, 'PUT', `${API}/queues/${QUEUES.callbellNotify}/pause`, ingress.admin)).status,
    ).toBe(200);
    expect(await q.isPaused()).toBe(true);
    await call(ingress.app, 'PUT', `${API}/queues/${QUEUES.callbellNotify}/resume`, ingress.admin);
    expect(await q.isPaused()).toBe(false);
  });
});
