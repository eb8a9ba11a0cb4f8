import { randomBytes } from 'node:crypto';
import { createDb } from '@cauce/db';
import { authPlugin, mintToken } from '@cauce/ingress/plugins/auth';
import { BEDS24_SIM_CREDENTIALS } from '@cauce/provider-sim/providers/beds24';
import { simEnv } from '@cauce/provider-sim/sim-env';
import { listenSim } from '@cauce/provider-sim/testing';
import { createSenderAuth, extraSenders } from '@cauce/provider-sim/traffic/senders';
import { Traffic } from '@cauce/provider-sim/traffic/traffic';
import { bearerFetch, type ChildApp, freePort, setupTestEnv, startApp } from '@cauce/testkit';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Secrets never leave the process (docs/operations-admin.md, "Security model"). The whole stack
 * runs as child processes at LOG_LEVEL=debug with distinctive secrets against provider-sim; a
 * full flow (every provider's webhook, path-token and header variants, wrong-route attempts, an
 * order, SIIGO setup, staging syncs, a provider fault that dead-letters a job, its replay) runs,
 * then every line every app printed and every answer given to a viewer is searched for every
 * configured secret and both JWTs, plain, URL-encoded, base64 and base64url.
 */
const env = await setupTestEnv();
const db = createDb(env.databaseUrl);
const sim = await listenSim();
const auth = createSenderAuth(sim.base);
const JWT_SECRET = `jwt-${randomBytes(24).toString('hex')}`;
const WORKERS = ['worker-bookings', 'worker-orders', 'worker-stock', 'worker-staging', 'worker-whatsapp'];

const stackEnv: Record<string, string> = {
  ...env.env,
  LOG_LEVEL: 'debug',
  JWT_SECRET,
  ...simEnv(sim.base),
  // The refresh-token exchange (a token endpoint) is exercised too; it wins over BEDS24_TOKEN.
  BEDS24_WRITE_REFRESH_TOKEN: BEDS24_SIM_CREDENTIALS.refreshToken,
  ...auth.env,
  SIIGO_SUBSCRIPTION_PATH: auth.siigoPath,
  SIIGO_SYNC_SCHEDULE: 'false',
  SIIGO_BUDGET_MAX: '100000',
  BEDS24_CREDIT_FLOOR: '0',
  WHATSAPP_CONNECTIONS_FILE: 'packages/provider-sim/fixtures/whatsapp-connections.json',
  WHATSAPP_WATCH: 'false',
  RATE_LIMIT_ENABLED: 'false',
  BACKOFF_TIME_SCALE: '0.001',
};

/** Every configured secret: by variable (what an operator sets) and the composites sent on the wire. */
const SECRET_VARS = [
  'JWT_SECRET',
  'BEDS24_WEBHOOK_TOKEN',
  'SIIGO_WEBHOOK_TOKEN',
  'MANYCHAT_WEBHOOK_TOKEN',
  'ORDERS_API_KEYS',
  'STRIPE_WEBHOOK_SECRETS',
  'BEDS24_TOKEN',
  'BEDS24_WRITE_REFRESH_TOKEN',
  'SIIGO_USERNAME',
  'SIIGO_ACCESS_KEY',
  'GHL_TOKEN',
  'STRIPE_SECRET_KEY',
  'MANYCHAT_API_KEY',
  'PAYPAL_CLIENT_ID',
  'PAYPAL_CLIENT_SECRET',
  'CALLBELL_API_TOKEN',
];

const outputs = new Map<string, ChildApp>();
const viewerAnswers: Array<{ path: string; text: string }> = [];
let ingress: string;
let admin: string;
let viewer: string;

async function mint() {
  const app = Fastify();
  await app.register(authPlugin, { secret: JWT_SECRET });
  await app.ready();
  const tokens = {
    admin: mintToken(app, 'scan-admin', 'admin'),
    viewer: mintToken(app, 'scan-viewer', 'viewer'),
  };
  await app.close();
  return tokens;
}

const call = async (method: string, path: string, token: string, body?: unknown) => {
  const { status, text } = await bearerFetch(ingress, method, path, token, body);
  if (token === viewer) viewerAnswers.push({ path, text });
  return { status, text, json: () => JSON.parse(text) };
};
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${ingress}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  }).then((r) => r.status);
const simJson = async (method: string, path: string, body?: unknown) => sim.call(method, path, body);

beforeAll(async () => {
  ({ admin, viewer } = await mint());
  const ingressPort = await freePort();
  ingress = `http://127.0.0.1:${ingressPort}`;
  const started = await Promise.all([
    startApp(
      'apps/ingress/src/main.ts',
      { ...stackEnv, PORT: String(ingressPort), HOST: '127.0.0.1', WEBHOOK_BASE_URL: ingress },
      { readyUrl: `${ingress}/api/ready`, timeoutMs: 60_000 },
    ).then((a) => ['ingress', a] as const),
    ...WORKERS.map(async (w) => {
      const port = await freePort();
      const app = await startApp(
        `apps/${w}/src/main.ts`,
        { ...stackEnv, WORKER_PORT: String(port), WORKER_HOST: '127.0.0.1' },
        { readyUrl: `http://127.0.0.1:${port}/health`, timeoutMs: 60_000 },
      );
      return [w, app] as const;
    }),
  ]);
  for (const [name, app] of started) outputs.set(name, app);
}, 120_000);

afterAll(async () => {
  await Promise.all([...outputs.values()].map((a) => a.stop('SIGTERM')));
  await sim.close();
  await db.$disconnect();
});

/** Every webhook event reached a final state (nothing left received or queued). */
const settled = async () => db.webhookEvent.count({ where: { status: { in: ['received', 'queued'] } } });

describe('secret scan over a full flow', () => {
  it('no app prints, and no viewer answer contains, a configured secret or a JWT in any encoding', async () => {
    const seeded = await Traffic.seed(sim.base, 3, 3);
    const traffic = new Traffic(
      {
        ingress,
        sim: sim.base,
        beds24Token: auth.beds24Token,
        siigoPath: auth.siigoPath,
        ordersApiKey: auth.ordersApiKey,
        extra: extraSenders(auth),
      },
      seeded.bookingIds,
      seeded.productIds,
    );
    const extra = extraSenders(auth);
    // Every provider's webhook and an order, as the providers send them.
    const sent = [
      await traffic.beds24(),
      await traffic.siigo(),
      await traffic.order(),
      ...(await Promise.all(['stripe', 'paypal', 'ghl', 'manychat'].map((k) => extra[k]!(traffic)))),
    ];
    for (const d of sent)
      expect(d.status, `${d.kind}: ${JSON.stringify(d.response)}`).toBe(d.kind === 'order' ? 201 : 202);

    // The path-token and header variants.
    const bookingId = seeded.bookingIds[0]!;
    const beds24Body = await simJson('GET', `/__sim/beds24/webhook-body/${bookingId}?action=modified`);
    expect(await post(`/api/webhooks/beds24/${auth.beds24Token}`, { ...beds24Body, n: 1 })).toBe(202);
    const siigoBody = await simJson('GET', `/__sim/siigo/webhooks/body/${seeded.productIds[0]}`);
    expect(await post(`/api/webhooks/receive/${auth.siigoToken}`, { ...siigoBody, n: 2 })).toBe(202);
    expect(
      await post(
        '/api/webhooks/manychat',
        { event: 'x', subscriber: { id: '42' } },
        {
          'x-cauce-token': auth.manychatToken,
        },
      ),
    ).toBe(202);
    // Secrets where they do not belong: another provider's path, an unknown route, a query string.
    expect(await post(`/api/webhooks/beds24/${auth.siigoToken}`, beds24Body)).toBe(401);
    expect(await post(`/api/webhooks/nowhere/${auth.manychatToken}`, {})).toBe(404);
    const queryToken = await fetch(
      `${ingress}/api/admin/queues/stats?token=${viewer}&key=${auth.ordersApiKey}`,
    );
    expect(queryToken.status).toBe(401);
    await expect.poll(settled, { timeout: 60_000 }).toBe(0);

    // SIIGO setup, then its subscriptions as a viewer (masked), and revealed to an admin only.
    const setup = await call('POST', '/api/webhooks/setup', admin);
    expect(setup.status, setup.text).toBe(200);
    expect(setup.json().created).toBe(3);
    const listed = await call('GET', '/api/webhooks/subscriptions', viewer);
    expect(listed.json().subscriptions).toHaveLength(3);
    expect((await call('GET', '/api/webhooks/subscriptions?reveal=true', viewer)).status).toBe(403);
    const revealed = await call('GET', '/api/webhooks/subscriptions?reveal=true', admin);
    expect(revealed.json().subscriptions[0].url).toBe(`${ingress}${auth.siigoPath}`);

    // Staging syncs of every source.
    const runs = await call('POST', '/api/sync/all', admin);
    expect(runs.status, runs.text).toBe(202);
    const runIds: string[] = runs.json().runs.map((r: { run: { id: string } }) => r.run.id);
    await expect
      .poll(
        async () =>
          db.syncRun.count({
            where: { id: { in: runIds.map(BigInt) }, status: { in: ['succeeded', 'failed'] } },
          }),
        { timeout: 60_000 },
      )
      .toBe(runIds.length);

    // A provider fault that dead-letters a job (Beds24 refuses the fetch), then its replay.
    await sim.faults([{ route: '^GET /beds24/v2/bookings$', failNext: [400] }]);
    const faulted = await traffic.beds24();
    expect(faulted.status).toBe(202);
    await expect
      .poll(() => db.jobFailure.count({ where: { queue: 'beds24-sync' } }), { timeout: 60_000 })
      .toBe(1);
    await sim.faults([]);
    const failure = await db.jobFailure.findFirstOrThrow({ where: { queue: 'beds24-sync' } });
    const replay = await call('POST', `/api/admin/failures/${failure.id}/replay`, admin);
    expect(replay.status, replay.text).toBe(202);
    await expect.poll(settled, { timeout: 60_000 }).toBe(0);
    await expect
      .poll(async () => (await db.order.findFirst())?.syncedToBigin, { timeout: 60_000 })
      .toBe(true);

    // Every read a viewer can make.
    const order = await db.order.findFirstOrThrow();
    const board = '/api/admin/queues/ui/api/queues?page=1&jobsPerPage=100';
    for (const path of [
      '/api/admin/queues/stats',
      '/api/admin/webhooks/logs?limit=500',
      '/api/admin/failures?limit=500',
      '/api/webhooks/subscriptions',
      '/api/webhooks/logs?limit=1000',
      '/api/stock/stats',
      '/api/orders',
      `/api/orders/${order.id}`,
      '/api/actions?limit=500',
      '/api/sync/runs',
      '/api/sync/pending',
      '/api/sync/summary',
      '/api/sync/conflicts',
      '/api/whatsapp/numbers',
      '/api/whatsapp/queues',
      board,
      ...['beds24-sync', 'siigo-stock', 'bigin-orders'].flatMap((q) =>
        ['completed', 'failed'].map((s) => `${board}&activeQueue=${q}&status=${s}`),
      ),
    ]) {
      const res = await call('GET', path, viewer);
      expect([200, 404], `${path}: ${res.text.slice(0, 200)}`).toContain(res.status);
    }

    // Stop everything so every buffered line is out, then search.
    await Promise.all([...outputs.values()].map((a) => a.stop('SIGTERM')));
    const secrets: Array<[string, string]> = [];
    for (const name of SECRET_VARS)
      for (const v of (stackEnv[name] ?? '').split(',').filter(Boolean)) secrets.push([name, v]);
    secrets.push(
      ['PayPal Basic credential', `${stackEnv.PAYPAL_CLIENT_ID}:${stackEnv.PAYPAL_CLIENT_SECRET}`],
      ['admin JWT', admin],
      ['viewer JWT', viewer],
    );
    for (const [name, v] of secrets) expect(v.length, name).toBeGreaterThan(5);
    const encodings = (v: string) => {
      const b64 = Buffer.from(v).toString('base64');
      return new Set([
        v,
        encodeURIComponent(v),
        b64,
        b64.replace(/=+$/, ''),
        Buffer.from(v).toString('base64url'),
      ]);
    };
    const found: string[] = [];
    const texts = [
      ...[...outputs].map(([app, a]) => ({ where: `${app} output`, text: a.output() })),
      ...viewerAnswers.map((r) => ({ where: `viewer GET ${r.path}`, text: r.text })),
    ];
    for (const { where, text } of texts)
      for (const [name, v] of secrets)
        for (const form of encodings(v))
          if (text.includes(form)) {
            const at = text.indexOf(form);
            found.push(`${name} in ${where}: …${text.slice(Math.max(0, at - 120), at + form.length + 40)}…`);
          }
    // The scan saw real traffic: every app logged at debug, the viewer read real data.
    for (const [app, a] of outputs) expect(a.output().length, app).toBeGreaterThan(500);
    expect(viewerAnswers.find((r) => r.path === '/api/admin/webhooks/logs?limit=500')?.text).toContain(
      'stripe',
    );
    expect(found).toEqual([]);
  });
});
