import { listenSim } from '@cauce/provider-sim/testing';
import { createSenderAuth, type SenderAuth } from '@cauce/provider-sim/traffic/senders';
import { setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngress } from './support.ts';

/** Input is stored exactly or refused clearly: encodings, and the `{error, message}` of every 4xx. */

const env = await setupTestEnv();
const API_KEY = 'orders-key-input-0123456789';
const BODY_LIMIT = 4096;
let sim: Awaited<ReturnType<typeof listenSim>>;
let auth: SenderAuth;
let ingress: Awaited<ReturnType<typeof startIngress>>;

beforeAll(async () => {
  sim = await listenSim();
  auth = createSenderAuth(sim.base);
  ingress = await startIngress(env, {
    ...auth.env,
    BODY_LIMIT_BYTES: String(BODY_LIMIT),
    ORDERS_API_KEYS: API_KEY,
    RATE_LIMIT_ENABLED: 'false',
  });
});
afterAll(async () => {
  await ingress?.close();
  await sim?.close();
});

async function send(url: string, payload: Buffer | string, headers: Record<string, string>, method = 'POST') {
  const res = await ingress.app.inject({ method: method as 'POST', url, payload, headers });
  const isJson = String(res.headers['content-type'] ?? '').includes('json');
  return { status: res.statusCode, body: isJson ? res.json() : res.body, raw: res.body };
}
const beds24 = (payload: Buffer | string, contentType = 'application/json') =>
  send('/api/webhooks/beds24', payload, {
    'content-type': contentType,
    authorization: `Bearer ${auth.beds24Token}`,
  });
const order = (payload: Buffer | string, contentType = 'application/json') =>
  send('/api/orders', payload, { 'content-type': contentType, 'x-api-key': API_KEY });
const eventsOf = (bookingId: string) =>
  ingress.deps.db.webhookEvent.findMany({ where: { entityId: bookingId }, orderBy: { id: 'asc' } });

/** A Beds24 v2 body as bytes, with `firstName` given as raw bytes (to splice invalid UTF-8 in). */
const beds24Bytes = (id: number, firstName: Buffer) =>
  Buffer.concat([
    Buffer.from(
      `{"timeStamp":"2026-11-24T10:00:00","booking":{"id":${id},"status":"confirmed","firstName":"`,
    ),
    firstName,
    Buffer.from('"},"infoItems":[],"invoiceItems":[],"messages":[],"retries":0}'),
  ]);
const orderBytes = (session: string, customerName: Buffer) =>
  Buffer.concat([
    Buffer.from('{"customer_name":"'),
    customerName,
    Buffer.from(
      `","phone":"3001234567","address":"Calle 10 # 5-20","city":"Medellín","department":"Antioquia","pack":"Pack x2","price":159900,"session_id":"${session}"}`,
    ),
  ]);

// "Peña" in Latin-1 (ñ = 0xF1), a lone continuation byte, an overlong "/" and a UTF-16 surrogate in UTF-8.
const INVALID = [
  Buffer.from([0x50, 0x65, 0xf1, 0x61]),
  Buffer.from([0x41, 0x80, 0x42]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
];
// Emoji (4 bytes), ñ precomposed, e + combining acute (must not be NFC-composed), NBSP, ideographic space.
const MULTIBYTE = 'Peña 🏨\u00a0Jose\u0301\u3000Zoë';

describe('encoding: UTF-8 or a clear refusal', () => {
  it('a webhook whose bytes are not UTF-8 is refused with 400 invalid_encoding and nothing is stored', async () => {
    for (const [i, bad] of INVALID.entries()) {
      const id = 91_000 + i;
      const res = await beds24(beds24Bytes(id, bad));
      expect(res).toMatchObject({ status: 400, body: { error: 'invalid_encoding' } });
      expect(res.body.message).toMatch(/UTF-8/);
      expect(await eventsOf(String(id))).toHaveLength(0);
    }
  });

  it('a webhook declaring another charset is refused with 415 unsupported_charset; UTF-8 in any spelling is accepted', async () => {
    for (const [i, charset] of ['latin1', 'ISO-8859-1', 'windows-1252', '"utf-16"'].entries()) {
      const id = 91_100 + i;
      const res = await beds24(beds24Bytes(id, Buffer.from('Ana')), `application/json; charset=${charset}`);
      expect(res).toMatchObject({ status: 415, body: { error: 'unsupported_charset' } });
      expect(res.body.message).toContain(charset.replace(/"/g, '').toLowerCase());
      expect(await eventsOf(String(id))).toHaveLength(0);
    }
    for (const [i, charset] of ['utf-8', 'UTF-8', '"utf-8"', 'utf8'].entries()) {
      const id = 91_200 + i;
      const res = await beds24(beds24Bytes(id, Buffer.from('Ana')), `application/json; charset=${charset}`);
      expect(res.status).toBe(202);
    }
  });

  it('valid multi-byte UTF-8 is stored exactly as sent (no replacement, no normalisation)', async () => {
    const id = 91_300;
    const sent = beds24Bytes(id, Buffer.from(MULTIBYTE, 'utf8'));
    expect((await beds24(sent)).status).toBe(202);
    const [row] = await eventsOf(String(id));
    expect(row!.payload).toEqual(JSON.parse(sent.toString('utf8')));
    const stored = (row!.payload as { booking: { firstName: string } }).booking.firstName;
    expect(Buffer.from(stored, 'utf8').equals(Buffer.from(MULTIBYTE, 'utf8'))).toBe(true);
    expect(stored).not.toContain('\ufffd');
  });

  it('a leading UTF-8 byte-order mark is accepted and is not part of the stored payload', async () => {
    const id = 91_400;
    const body = beds24Bytes(id, Buffer.from('Zoë'));
    const res = await beds24(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]));
    expect(res.status).toBe(202);
    const [row] = await eventsOf(String(id));
    expect(row!.payload).toEqual(JSON.parse(body.toString('utf8')));
  });

  it('order intake: invalid bytes 400, another charset 415 (nothing stored); multi-byte names stored exactly', async () => {
    const session = `enc-${Date.now()}`;
    const bad = await order(orderBytes(`${session}-bad`, INVALID[0]!));
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_encoding' } });
    const latin1 = await order(
      orderBytes(`${session}-latin1`, Buffer.from('Ana')),
      'application/json; charset=latin1',
    );
    expect(latin1).toMatchObject({ status: 415, body: { error: 'unsupported_charset' } });
    expect(await ingress.deps.db.order.count({ where: { sessionId: { startsWith: session } } })).toBe(0);

    const ok = await order(orderBytes(`${session}-ok`, Buffer.from(MULTIBYTE, 'utf8')));
    expect(ok.status).toBe(201);
    const stored = await ingress.deps.db.order.findUniqueOrThrow({ where: { id: ok.body.id } });
    expect(Buffer.from(stored.customerName, 'utf8').equals(Buffer.from(MULTIBYTE, 'utf8'))).toBe(true);
  });
});

describe('every 4xx answers JSON {error, message}', () => {
  const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
  const fill = (url: string) => url.replace(/:[A-Za-z_]+/g, '1').replace(/\*$/, 'x');
  const bad: Array<{ name: string; payload: Buffer | string; contentType: string; status: number }> = [
    {
      name: 'oversize',
      payload: `{"pad":"${'x'.repeat(BODY_LIMIT)}"}`,
      contentType: 'application/json',
      status: 413,
    },
    { name: 'wrong content type', payload: 'x=1', contentType: 'application/x-cauce-nope', status: 415 },
    { name: 'malformed JSON', payload: '{"a": ', contentType: 'application/json', status: 400 },
    { name: 'latin1', payload: '{"a": 1}', contentType: 'application/json; charset=latin1', status: 415 },
    {
      name: 'not UTF-8',
      payload: Buffer.from([0x7b, 0x22, 0xf1, 0x22, 0x3a, 0x31, 0x7d]),
      contentType: 'application/json',
      status: 400,
    },
  ];

  it('on every registered route, for an oversize body, a wrong content type, malformed JSON and bad encodings', async () => {
    const routes = [
      ...new Map(ingress.app.registeredRoutes.map((r) => [`${r.method} ${r.url}`, r])).values(),
    ];
    expect(routes.length).toBeGreaterThan(40);
    const credentials = {
      authorization: `Bearer ${ingress.admin}`,
      'x-api-key': API_KEY,
    };
    const problems: string[] = [];
    let checked = 0;
    for (const r of routes.filter((x) => BODY_METHODS.has(x.method))) {
      for (const b of bad) {
        const res = await send(
          fill(r.url),
          b.payload,
          { ...credentials, 'content-type': b.contentType },
          r.method,
        );
        const where = `${r.method} ${r.url} (${b.name}) -> ${res.status} ${res.raw.slice(0, 120)}`;
        if (res.status < 400 || res.status >= 500) continue; // a route that takes no body (e.g. Bull Board's catch-all)
        checked++;
        if (typeof res.body !== 'object' || !res.body?.error || !res.body?.message) problems.push(where);
        // API routes (not the board's UI catch-all) refuse with the precise status. Webhooks
        // authenticate before parsing JSON (401 first); the unknown-provider route is a 404.
        else if (
          r.url.startsWith('/api/') &&
          !r.url.includes('queues/ui') &&
          r.url !== '/api/webhooks/:provider' &&
          !(b.name === 'malformed JSON' && r.url.startsWith('/api/webhooks/')) &&
          res.status !== b.status
        )
          problems.push(`expected ${b.status}: ${where}`);
      }
    }
    for (const r of routes.filter((x) => x.method === 'GET')) {
      const res = await send(`${fill(r.url)}?limit=-5&since=yesterday`, '', {}, 'GET');
      if (res.status < 400 || res.status >= 500) continue;
      checked++;
      if (typeof res.body !== 'object' || !res.body?.error || !res.body?.message)
        problems.push(`GET ${r.url} (no token) -> ${res.status} ${res.raw.slice(0, 120)}`);
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });

  it('validation errors keep {error: bad_request, issues} and say why in message', async () => {
    const res = await order(JSON.stringify({ customer_name: 'Ana' }));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'bad_request', message: expect.stringContaining('phone') });
    expect(res.body.issues.map((i: { path: string }) => i.path)).toContain('phone');
  });
});
