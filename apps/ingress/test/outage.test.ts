import { migrate } from '@cauce/db';
import { createSenderAuth, signWebhook } from '@cauce/provider-sim/traffic/senders';
import { QUEUES } from '@cauce/queues';
import { parseConfig } from '@cauce/runtime';
import { type PrivateServices, startPrivateServices, waitFor } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIngress } from '../src/app.ts';
import { ingressEnv } from '../src/config.ts';
import { createDeps } from '../src/deps.ts';
import { JWT_SECRET } from './support.ts';

// The services this file stops are its own (temp dirs, free ports), never the shared ones.
let services: PrivateServices;
let ingress: Awaited<ReturnType<typeof buildIngress>>;
let deps: Awaited<ReturnType<typeof createDeps>>;
// This file sends no PayPal events, so no certificate host is ever asked.
const auth = createSenderAuth('http://127.0.0.1:1');
const ORDERS_KEY = 'outage-orders-key-0123456789';

beforeAll(async () => {
  services = await startPrivateServices();
  await migrate({ databaseUrl: services.databaseUrl, log: () => {} });
  deps = await createDeps(
    parseConfig(ingressEnv, {
      DATABASE_URL: services.databaseUrl,
      REDIS_URL: services.redisUrl,
      QUEUE_PREFIX: 'outage',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      JWT_SECRET,
      ...auth.env,
      WEBHOOK_ENQUEUE_TIMEOUT_MS: '500',
      WEBHOOK_REDRIVE_INTERVAL_MS: '200',
      WEBHOOK_REDRIVE_GRACE_MS: '0',
      RATE_LIMIT_ENABLED: 'false',
      WEBHOOK_DB_TIMEOUT_MS: '1000',
      INGRESS_DB_TIMEOUT_MS: '1000',
      ORDERS_API_KEYS: ORDERS_KEY,
    }),
  );
  ingress = await buildIngress(deps);
}, 60_000);
afterAll(async () => {
  await ingress?.close();
  await deps?.close();
  await services?.stop();
});

const beds24 = (id: number) =>
  ingress.inject({
    method: 'POST',
    url: '/api/webhooks/beds24',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.beds24Token}` },
    payload: { action: 'modified', booking: { id, modifiedTime: new Date().toISOString() } },
  });

const ghl = (id: string) => {
  const raw = JSON.stringify({ type: 'ContactCreate', webhookId: `w-${id}`, id });
  return ingress.inject({
    method: 'POST',
    url: '/api/webhooks/ghl',
    headers: { 'content-type': 'application/json', ...signWebhook.ghl(auth, raw) },
    payload: raw,
  });
};

const order = (sessionId: string) =>
  ingress.inject({
    method: 'POST',
    url: '/api/orders',
    headers: { 'x-api-key': ORDERS_KEY, 'idempotency-key': sessionId },
    payload: {
      customer_name: 'Ana Pérez',
      phone: '3001234567',
      address: 'Calle 1 # 2-3',
      city: 'Bogotá',
      department: 'Cundinamarca',
      pack: 'x2',
      price: 159900,
      session_id: sessionId,
    },
  });

describe('never acknowledges what is not stored', () => {
  it('PostgreSQL hung (SIGSTOP, connections open): 503/429 + Retry-After, not a held request; after SIGCONT it stores again and nothing acknowledged is missing', async () => {
    // Connections opened before the hang: their backends freeze with the postmaster.
    const acknowledged: number[] = [];
    for (const id of [101, 102, 103]) {
      const r = await beds24(id);
      expect(r.statusCode).toBe(202);
      acknowledged.push(id);
    }
    expect((await order('hang-before')).statusCode).toBe(201);

    services.pausePostgres();
    try {
      const [hook, contact, intake] = await Promise.all([beds24(104), ghl('c-hang'), order('hang-during')]);
      expect(hook.statusCode).toBe(503);
      expect(Number(hook.headers['retry-after'])).toBeGreaterThan(0);
      expect(hook.json()).toMatchObject({ error: 'unavailable' });
      expect(contact.statusCode).toBe(429);
      expect(Number(contact.headers['retry-after'])).toBeGreaterThan(0);
      expect(intake.statusCode).toBe(503);
      expect(Number(intake.headers['retry-after'])).toBeGreaterThan(0);
      expect(intake.json()).toMatchObject({ error: 'unavailable' });
    } finally {
      services.resumePostgres();
    }

    // The provider redelivers: once PostgreSQL answers again the event is stored (202, or 200 when
    // the refused INSERT committed after all: a duplicate, never a loss).
    const redelivered = await waitFor(async () => {
      const r = await beds24(104);
      return r.statusCode === 202 || r.statusCode === 200 ? r : null;
    });
    expect([200, 202]).toContain(redelivered.statusCode);
    acknowledged.push(104);
    const fresh = await beds24(105);
    expect(fresh.statusCode).toBe(202);
    acknowledged.push(105);
    expect((await order('hang-after')).statusCode).toBe(201);
    expect([200, 201]).toContain((await order('hang-during')).statusCode);

    const stored = await deps.db.webhookEvent.findMany({
      where: { provider: 'beds24', entityId: { in: acknowledged.map(String) } },
      select: { entityId: true },
    });
    expect(new Set(stored.map((r) => Number(r.entityId)))).toEqual(new Set(acknowledged));
    expect(
      await deps.db.order.count({
        where: { sessionId: { in: ['hang-before', 'hang-during', 'hang-after'] } },
      }),
    ).toBe(3);
  }, 60_000);

  it('PostgreSQL down: 503 with Retry-After (429 for GoHighLevel, which retries only on 429); back up: 202', async () => {
    services.stopPostgres();
    try {
      const res = await beds24(1);
      expect(res.statusCode).toBe(503);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      const raw = JSON.stringify({ type: 'ContactCreate', webhookId: 'w-1', id: 'c-1' });
      const ghl = await ingress.inject({
        method: 'POST',
        url: '/api/webhooks/ghl',
        headers: { 'content-type': 'application/json', ...signWebhook.ghl(auth, raw) },
        payload: raw,
      });
      expect(ghl.statusCode).toBe(429);
      expect(ghl.headers['retry-after']).toBeDefined();
    } finally {
      services.startPostgres();
    }
    const res = await waitFor(async () => {
      const r = await beds24(1);
      return r.statusCode === 202 ? r : null;
    });
    expect(res.json()).toMatchObject({ received: true });
    expect(await deps.db.webhookEvent.count({ where: { entityId: '1' } })).toBe(1);
  }, 60_000);

  it('Redis down after the row is stored: 202 at once; the redrive enqueues it when Redis is back', async () => {
    await services.stopRedis();
    let started = 0;
    try {
      started = Date.now();
      const res = await beds24(2);
      expect(res.statusCode).toBe(202);
      expect(Date.now() - started).toBeLessThan(3_000);
      const [row] = await deps.db.webhookEvent.findMany({ where: { entityId: '2' } });
      expect(row?.status).toBe('received');
    } finally {
      await services.startRedis();
    }
    const [row] = await deps.db.webhookEvent.findMany({ where: { entityId: '2' } });
    const job = await waitFor(
      async () =>
        (await deps.producer
          .queue(QUEUES.beds24Sync)
          .getJob(row!.jobId!)
          .catch(() => undefined)) ?? null,
      { timeoutMs: 30_000, message: 'the stored event to be enqueued by the redrive' },
    );
    expect(job?.data).toMatchObject({
      webhookEventId: row!.id.toString(),
      eventType: 'MODIFY',
      entityId: '2',
    });
  }, 60_000);
});
