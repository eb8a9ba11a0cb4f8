import { listenSim } from '@cauce/provider-sim/testing';
import { createSenderAuth, type SenderAuth, signWebhook } from '@cauce/provider-sim/traffic/senders';
import { QUEUES, toJobId } from '@cauce/queues';
import { metricValue, setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngress } from './support.ts';

const env = await setupTestEnv();
let sim: Awaited<ReturnType<typeof listenSim>>;
let auth: SenderAuth;
let ingress: Awaited<ReturnType<typeof startIngress>>;

beforeAll(async () => {
  sim = await listenSim();
  auth = createSenderAuth(sim.base);
  ingress = await startIngress(env, { ...auth.env, BODY_LIMIT_BYTES: '65536' });
});
afterAll(async () => {
  await ingress?.close();
  await sim?.close();
});

async function post(url: string, body: string | object, headers: Record<string, string> = {}) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await ingress.app.inject({
    method: 'POST',
    url,
    payload,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return { status: res.statusCode, body: res.json() as Record<string, unknown>, headers: res.headers };
}
const bearer = () => ({ authorization: `Bearer ${auth.beds24Token}` });
const beds24Body = (id: number, action = 'modified', extra: object = {}) => ({
  timeStamp: '2026-11-24T10:00:00',
  action,
  booking: {
    id,
    status: 'confirmed',
    modifiedTime: `2026-11-24T10:00:0${id % 10}Z`,
    firstName: 'Zoë',
    ...extra,
  },
  infoItems: [],
  invoiceItems: [],
  messages: [],
  retries: 0,
});
const events = (where: object) => ingress.deps.db.webhookEvent.findMany({ where, orderBy: { id: 'asc' } });
const metric = async (name: string, labels: Record<string, string>) =>
  metricValue(await ingress.deps.registry.metrics(), name, labels);

describe('Beds24', () => {
  it('stores, enqueues with jobId = dedupe key and answers 202; the same delivery again is a 200 duplicate', async () => {
    const body = beds24Body(7001, 'created');
    const first = await post('/api/webhooks/beds24', body, bearer());
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ received: true, timestamp: expect.any(String) });
    const [row] = await events({ entityId: '7001' });
    // 'received' until a worker settles it: the job, added before the 202, is the proof of the enqueue.
    expect(row).toMatchObject({
      provider: 'beds24',
      eventType: 'CREATED',
      status: 'received',
      queue: QUEUES.beds24Sync,
    });
    expect(row!.payload).toEqual(body);
    expect(JSON.stringify(row!.headers)).not.toContain(auth.beds24Token);
    const job = await ingress.deps.producer.queue(QUEUES.beds24Sync).getJob(toJobId(row!.dedupeKey));
    expect(job?.data).toEqual({
      webhookEventId: row!.id.toString(),
      provider: 'beds24',
      eventType: 'CREATED',
      entityId: '7001',
    });

    const again = await post('/api/webhooks/beds24', body, bearer());
    expect(again).toMatchObject({ status: 200, body: { received: true, duplicate: true } });
    expect(await events({ entityId: '7001' })).toHaveLength(1);
    expect(await ingress.deps.producer.queue(QUEUES.beds24Sync).getJobCounts('waiting')).toEqual({
      waiting: 1,
    });
    expect(await metric('beds24_webhooks_received_total', { action: 'CREATED' })).toBe(1);
    expect(
      await metric('webhooks_received_total', { provider: 'beds24', event: 'CREATED', outcome: 'duplicate' }),
    ).toBe(1);
  });

  it('maps actions (default MODIFY) and finds the booking id in id, booking.id or bookingId', async () => {
    const cases: Array<[object, string, string]> = [
      [{ action: 'cancelled', id: 7101 }, 'CANCEL', '7101'],
      [{ action: 'modified', bookingId: '7102' }, 'MODIFY', '7102'],
      [{ action: 'whatever', booking: { id: 7103 } }, 'MODIFY', '7103'],
      [{ booking: { id: 7104 } }, 'CREATED', '7104'], // the V2 shape: a booking never seen
      // Names of Object.prototype members are unknown actions like any other, not lookups.
      [{ action: 'constructor', id: 7105 }, 'MODIFY', '7105'],
      [{ action: '__proto__', id: 7106 }, 'MODIFY', '7106'],
      [{ action: 'toString', id: 7107 }, 'MODIFY', '7107'],
    ];
    for (const [body, type, entity] of cases) {
      expect((await post('/api/webhooks/beds24', body, bearer())).status).toBe(202);
      expect((await events({ entityId: entity }))[0]?.eventType).toBe(type);
    }
  });

  it('V2 bodies arriving together: each never-seen booking is CREATED, a booking seen before is MODIFY', async () => {
    const v2 = (id: number, modified: string) => ({
      timeStamp: '2026-11-24T11:00:00',
      booking: { id, status: 'confirmed', modifiedTime: modified },
      infoItems: [],
      invoiceItems: [],
      messages: [],
      retries: 0,
    });
    // 7301 was seen (an earlier event); 7302..7305 never were.
    expect((await post('/api/webhooks/beds24', v2(7301, '2026-11-24T11:00:01Z'), bearer())).status).toBe(202);
    const ids = [7301, 7302, 7303, 7304, 7305];
    const answers = await Promise.all(
      ids.map((id) => post('/api/webhooks/beds24', v2(id, '2026-11-24T11:00:02Z'), bearer())),
    );
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 202));
    const types = await Promise.all(
      ids.map(async (id) => (await events({ entityId: String(id) })).map((e) => e.eventType)),
    );
    expect(types).toEqual([['CREATED', 'MODIFY'], ['CREATED'], ['CREATED'], ['CREATED'], ['CREATED']]);
  });

  it('accepts the token as a path segment too, and refuses a wrong or missing one with 401', async () => {
    expect((await post(`/api/webhooks/beds24/${auth.beds24Token}`, beds24Body(7201))).status).toBe(202);
    const before = await metric('webhooks_received_total', {
      provider: 'beds24',
      event: 'unknown',
      outcome: 'unauthorized',
    });
    for (const headers of [
      {},
      { authorization: 'Bearer nope' },
      { authorization: auth.beds24Token },
    ] as Array<Record<string, string>>) {
      const res = await post('/api/webhooks/beds24', beds24Body(7202), headers);
      expect(res.status).toBe(401);
      expect(JSON.stringify(res.body)).not.toContain(auth.beds24Token);
    }
    expect((await post('/api/webhooks/beds24/wrong-token', beds24Body(7202))).status).toBe(401);
    expect(await events({ entityId: '7202' })).toHaveLength(0);
    expect(
      await metric('webhooks_received_total', {
        provider: 'beds24',
        event: 'unknown',
        outcome: 'unauthorized',
      }),
    ).toBe((before ?? 0) + 4);
  });

  it('answers 400 to a payload without a booking id and keeps it as rejected for operators', async () => {
    const res = await post(
      '/api/webhooks/beds24',
      { action: 'created', booking: { status: 'new' } },
      bearer(),
    );
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ path: '(root)', message: expect.stringContaining('no booking id') }]);
    const [row] = await events({ provider: 'beds24', status: 'rejected' });
    expect(row).toMatchObject({ queue: null, error: expect.stringContaining('no booking id') });
  });
});

describe('SIIGO', () => {
  const product = {
    company_key: 'ck',
    username: 'api@x.co',
    topic: 'public.siigoapi.products.stock.update',
    id: 'f3a1',
    available_quantity: 4,
  };

  it('takes the secret path token on /siigo and on the /receive alias, and refuses without it', async () => {
    expect((await post(auth.siigoPath, product)).status).toBe(202);
    expect(
      (await post(`/api/webhooks/receive/${auth.siigoToken}`, { ...product, available_quantity: 5 })).status,
    ).toBe(202);
    expect((await post('/api/webhooks/siigo', product)).status).toBe(401);
    expect((await post('/api/webhooks/receive', product)).status).toBe(401);
    const rows = await events({ provider: 'siigo', entityId: 'f3a1' });
    expect(rows.map((r) => [r.eventType, r.queue])).toEqual([
      [product.topic, QUEUES.siigoStock],
      [product.topic, QUEUES.siigoStock],
    ]);
  });

  it('with SIIGO_WEBHOOK_LEGACY_RECEIVE, old tokenless /receive subscriptions pass on a matching company_key only', async () => {
    const legacy = await startIngress(env, {
      ...auth.env,
      SIIGO_COMPANY_KEY: 'acme-company-key',
      SIIGO_WEBHOOK_LEGACY_RECEIVE: 'true',
    });
    try {
      const send = (url: string, body: object) =>
        legacy.app.inject({
          method: 'POST',
          url,
          payload: body,
          headers: { 'content-type': 'application/json' },
        });
      const mine = { ...product, company_key: 'acme-company-key', id: 'legacy-1' };
      expect((await send('/api/webhooks/receive', mine)).statusCode).toBe(202);
      expect((await send('/api/webhooks/receive', { ...mine, company_key: 'someone-else' })).statusCode).toBe(
        401,
      );
      // Only the legacy path, and a wrong token is still refused.
      expect((await send('/api/webhooks/siigo', mine)).statusCode).toBe(401);
      expect((await send('/api/webhooks/receive/wrong-token', mine)).statusCode).toBe(401);
      expect(
        (await send(`/api/webhooks/receive/${auth.siigoToken}`, { ...mine, id: 'legacy-2' })).statusCode,
      ).toBe(202);
      expect((await events({ provider: 'siigo', entityId: 'legacy-1' })).length).toBe(1);
    } finally {
      await legacy.close();
    }
  });

  it('stores and acknowledges unknown topics (the worker ignores and counts them)', async () => {
    const res = await post(auth.siigoPath, {
      ...product,
      topic: 'public.siigoapi.customers.create',
      id: 'c1',
    });
    expect(res.status).toBe(202);
    expect((await events({ entityId: 'c1' }))[0]?.eventType).toBe('public.siigoapi.customers.create');
  });
});

describe('Stripe', () => {
  const event = (id: string) => ({
    id,
    object: 'event',
    created: 1_795_000_000,
    type: 'customer.created',
    data: { object: { id: `cus_${id}`, object: 'customer', email: 'ana@example.com' } },
  });

  it('verifies Stripe-Signature over the raw bytes, dedupes on the event id', async () => {
    const raw = JSON.stringify(event('evt_1'));
    expect((await post('/api/webhooks/stripe', raw, signWebhook.stripe(auth, raw))).status).toBe(202);
    expect((await post('/api/webhooks/stripe', raw, signWebhook.stripe(auth, raw))).status).toBe(200);
    const [row] = await events({ provider: 'stripe' });
    expect(row).toMatchObject({
      dedupeKey: 'stripe:evt_1',
      entityId: 'cus_evt_1',
      queue: QUEUES.stagingStripe,
    });
  });

  it('accepts either signature during secret rotation, refuses tampering and stale timestamps', async () => {
    const raw = JSON.stringify(event('evt_2'));
    const other = { ...auth, stripeSecret: 'whsec_old' };
    const both = `${signWebhook.stripe(other, raw)['stripe-signature']},v1=${signWebhook.stripe(auth, raw)['stripe-signature'].split('v1=')[1]}`;
    expect((await post('/api/webhooks/stripe', raw, { 'stripe-signature': both })).status).toBe(202);

    const raw3 = JSON.stringify(event('evt_3'));
    const tampered = raw3.replace('ana@', 'eve@');
    expect((await post('/api/webhooks/stripe', tampered, signWebhook.stripe(auth, raw3))).status).toBe(401);
    const stale = signWebhook.stripe(auth, raw3, Math.floor(Date.now() / 1000) - 301);
    expect((await post('/api/webhooks/stripe', raw3, stale)).status).toBe(401);
    expect((await post('/api/webhooks/stripe', raw3, signWebhook.stripe(other, raw3))).status).toBe(401);
    expect((await post('/api/webhooks/stripe', raw3)).status).toBe(401);
  });
});

describe('GoHighLevel', () => {
  const contact = (id: string) => ({
    type: 'ContactCreate',
    webhookId: `wh-${id}`,
    id,
    email: 'b@example.com',
  });

  it('verifies Ed25519 X-GHL-Signature and the legacy RSA X-WH-Signature; no signature is refused', async () => {
    const raw = JSON.stringify(contact('g1'));
    expect((await post('/api/webhooks/ghl', raw, signWebhook.ghl(auth, raw))).status).toBe(202);
    const raw2 = JSON.stringify(contact('g2'));
    expect((await post('/api/webhooks/ghl', raw2, signWebhook.ghlLegacy(auth, raw2))).status).toBe(202);
    expect(
      (await post('/api/webhooks/ghl', raw2.replace('b@', 'c@'), signWebhook.ghl(auth, raw2))).status,
    ).toBe(401);
    expect((await post('/api/webhooks/ghl', raw2)).status).toBe(401);
    expect((await events({ provider: 'ghl' })).map((r) => r.dedupeKey)).toEqual(['ghl:wh-g1', 'ghl:wh-g2']);
  });
});

describe('PayPal', () => {
  const capture = (id: string) => ({
    id,
    event_type: 'PAYMENT.CAPTURE.COMPLETED',
    create_time: new Date().toISOString(),
    resource: { id: `cap-${id}`, amount: { value: '10.00', currency_code: 'USD' } },
  });

  it('verifies the transmission signature with the certificate from the allowed host (cached)', async () => {
    const raw = JSON.stringify(capture('WH-1'));
    expect((await post('/api/webhooks/paypal', raw, signWebhook.paypal(auth, raw))).status).toBe(202);
    const raw2 = JSON.stringify(capture('WH-2'));
    expect((await post('/api/webhooks/paypal', raw2, signWebhook.paypal(auth, raw2))).status).toBe(202);
    expect(
      (await post('/api/webhooks/paypal', raw2.replace('10.00', '99.00'), signWebhook.paypal(auth, raw2)))
        .status,
    ).toBe(401);
    const evil = { ...signWebhook.paypal(auth, raw2), 'paypal-cert-url': 'http://evil.example/cert.pem' };
    const refused = await post('/api/webhooks/paypal', raw2, evil);
    expect(refused.status).toBe(401);
    expect(refused.body.message).toContain('not allowed');
  });
});

describe('ManyChat', () => {
  it('takes the token from X-Cauce-Token or the path', async () => {
    const body = { subscriber: { id: '123', name: 'Ana' } };
    expect((await post('/api/webhooks/manychat', body, { 'x-cauce-token': auth.manychatToken })).status).toBe(
      202,
    );
    expect((await post(`/api/webhooks/manychat/${auth.manychatToken}`, { id: 124 })).status).toBe(202);
    expect((await post('/api/webhooks/manychat', body)).status).toBe(401);
  });
});

describe('bad input gets a precise 4xx', () => {
  it('415 for other content types, 413 for oversize, 400 for malformed JSON and zod issues, 404 unknown provider', async () => {
    const text = await ingress.app.inject({
      method: 'POST',
      url: '/api/webhooks/beds24',
      payload: 'id=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...bearer() },
    });
    expect(text.statusCode).toBe(415);
    const big = await post('/api/webhooks/beds24', { id: 1, pad: 'x'.repeat(70_000) }, bearer());
    expect(big.status).toBe(413);
    const broken = await post('/api/webhooks/beds24', '{"id": 1,', bearer());
    expect(broken).toMatchObject({ status: 400, body: { error: 'invalid_json' } });
    const raw = JSON.stringify({ id: 'nope', object: 'event', type: 5, created: 'yesterday', data: {} });
    const zod = await post('/api/webhooks/stripe', raw, signWebhook.stripe(auth, raw));
    expect(zod.status).toBe(400);
    expect((zod.body.issues as Array<{ path: string }>).map((i) => i.path).sort()).toEqual([
      'created',
      'data.object',
      'id',
      'type',
    ]);
    const nested = await post('/api/webhooks/beds24', `${'['.repeat(200)}${']'.repeat(200)}`, bearer());
    expect(nested.status).toBe(400);
    const nul = await post('/api/webhooks/beds24', '{"id": 9, "notes": "a\\u0000b"}', bearer());
    expect(nul.status).toBe(400);
    const unknown = await post('/api/webhooks/shopify', { id: 1 });
    expect(unknown).toMatchObject({ status: 404, body: { error: 'unknown_provider' } });
  });
});

describe('metrics', () => {
  it('times every request by route pattern and status, never by URL (no secrets in labels)', async () => {
    await post(auth.siigoPath, { topic: 'public.siigoapi.products.update', id: 'm1' });
    const text = await ingress.deps.registry.metrics();
    expect(
      await metric('http_request_duration_seconds_count', {
        route: '/api/webhooks/siigo/:token',
        method: 'POST',
        status_code: '202',
      }),
    ).toBeGreaterThan(0);
    expect(text).not.toContain(auth.siigoToken);
  });
});
