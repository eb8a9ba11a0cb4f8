import { createDb } from '@cauce/db';
import { JOBS, QUEUES } from '@cauce/queues';
import { createRedis, parseConfig } from '@cauce/runtime';
import { setupTestEnv } from '@cauce/testkit';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIngress } from '../src/app.ts';
import { ingressEnv } from '../src/config.ts';
import { createDeps } from '../src/deps.ts';
import { mintToken } from '../src/plugins/auth.ts';
import { BOARD_PATH } from '../src/routes/admin/bull-board.ts';
import { JWT_SECRET } from './support.ts';

/**
 * Every GET route the ingress registers, called as a viewer over rows that hold personal data
 * (orders and their audit, bookings, clients and merge conflicts, webhook events, dead letters,
 * BullMQ jobs with data, results, errors and logs): no answer may contain one of the seeded
 * e-mails, phone numbers or addresses in any case or format. A new GET route is walked without
 * touching this file, unless it has a path parameter this file cannot fill: then it fails.
 */
const env = await setupTestEnv();
const db = createDb(env.databaseUrl, { max: 2 });
let app: Awaited<ReturnType<typeof buildIngress>>;
let close: () => Promise<void>;
let viewer: string;
const workers: Worker[] = [];
let closeConnection = async () => {};

const EMAILS = [
  'Maria.Lopez@Walk-Correo.co',
  'juan.perez+pedido@walkmail.com',
  'guest.beds@walk-hotel.example',
  'cliente.ghl@walk-crm.co',
  'stripe.buyer@walk-pay.io',
  'conflict.incoming@walk-unify.co',
  'dead.letter@walk-dlq.co',
  'job.data@walk-board.co',
];
const PHONES = [
  '3157654321',
  '+57 316 222 3333',
  '+573009998877',
  '3124445566',
  '(315) 777-8899',
  '3201112233',
  '+57 301 555 6677',
];
const ADDRESSES = [
  'Calle 45 # 12-34 Apto 501',
  'Carrera 7 No. 80-15 Torre 2',
  'Vereda El Rosal finca La Esperanza',
  '221B Baker Street Walkton',
  'Transversal 9 # 3-21 Casa 4',
];

beforeAll(async () => {
  const config = parseConfig(ingressEnv, { ...env.env, JWT_SECRET });
  const deps = await createDeps(config);
  app = await buildIngress(deps);

  viewer = mintToken(app, 'victor-viewer', 'viewer');
  close = async () => {
    await app.close();
    await deps.close();
  };
  await seed(deps.producer, config.QUEUE_PREFIX);
});
afterAll(async () => {
  for (const w of workers) await w.close();
  await closeConnection();
  await close?.();
  await db.$disconnect();
});

async function seed(producer: Awaited<ReturnType<typeof createDeps>>['producer'], prefix: string) {
  const [e0, e1, e2, e3, e4, e5, e6, e7] = EMAILS as [string, ...string[]];
  const [p0, p1, p2, p3, p4, p5, p6] = PHONES as [string, ...string[]];
  const [a0, a1, a2, a3, a4] = ADDRESSES as [string, ...string[]];

  // Orders and their audit rows, as worker-orders writes them.
  const order = await db.order.create({
    data: {
      sessionId: 'walk-session-1',
      customerName: 'María López',
      phone: p0!,
      email: e0!,
      address: a0!,
      city: 'Bogotá',
      department: 'Cundinamarca',
      pack: 'Pack 2',
      price: '159900.00',
      status: 'pending',
      syncError: `Robot API rejected ${e0}: duplicate contact ${p0}`,
    },
  });
  await db.order.create({
    data: {
      sessionId: 'walk-session-2',
      customerName: 'Juan Pérez',
      phone: p1!,
      email: e1!,
      address: a1!,
      city: 'Medellín',
      department: 'Antioquia',
      pack: 'Pack 1',
      price: '99900.00',
      status: 'pending',
    },
  });
  await db.actionLog.createMany({
    data: [
      {
        orderId: order.id,
        actionType: 'callbell_sent',
        actionData: {
          to: p0!,
          text: `¡Hola María López! Tu pedido #${order.id} fue registrado. Total: $159.900. Dirección de entrega: ${a0}, Bogotá. ¡Gracias por tu compra!`,
          response: { message: { uuid: 'u-1', to: p0!, status: 'enqueued' } },
        },
        success: true,
        workflowName: 'notify',
        executionId: 'exec-1',
      },
      {
        orderId: order.id,
        actionType: 'bigin_order_failed',
        actionData: {
          request: {
            ordenName: `Orden #${order.id} - María López`,
            contactName: 'María López',
            telefono: p0!,
            direccion: a0!,
            municipio: 'Bogotá',
            email: e0!,
          },
        },
        success: false,
        errorMessage: `duplicate contact ${e0}`,
        workflowName: 'sync',
        executionId: 'exec-2',
      },
    ],
  });

  // A booking with its guest's contact data, and the Beds24 webhook that announced it.
  const beds24Booking = {
    id: 88776655,
    firstName: 'Guest',
    lastName: 'Walker',
    email: e2!,
    phone: p2!,
    mobile: p3!,
    address: a3!,
    city: 'Walkton',
    notes: `llamar al ${p1} o escribir a ${e2}`,
    messages: [{ message: `Mi dirección es ${a4}`, source: 'guest' }],
  };
  await db.booking.create({
    data: {
      bookingId: '88776655',
      phone: p2!,
      email: e2!,
      guestName: 'Guest Walker',
      status: 'confirmed',
      bdStatus: 'created',
      notes: beds24Booking.notes,
      messages: beds24Booking.messages,
      raw: beds24Booking,
    },
  });

  // Clients and merge conflicts, as unify writes them.
  const client = await db.client.create({
    data: { email: e3!, phoneE164: '+573124445566', name: 'Cliente GHL', emailSource: 'ghl:c1' },
  });
  // Its source row and a payment, with contact data in their payloads.
  await db.ghlContactRaw.create({
    data: {
      ghlContactId: 'walk-ghl-1',
      email: e3!,
      phoneE164: '+573124445566',
      name: 'Cliente GHL',
      payload: { email: e3!, phone: p3!, address1: a2! },
      clientId: client.id,
    },
  });
  await db.transaction.create({
    data: {
      source: 'stripe',
      kind: 'charge',
      sourceId: 'ch_walk_1',
      email: e4!,
      payload: { receipt_email: e4!, billing_details: { phone: p4!, address: { line1: a1! } } },
      clientId: client.id,
    },
  });
  await db.mergeConflict.createMany({
    data: [
      {
        clientId: client.id,
        field: 'email',
        existingValue: e3!,
        existingSource: 'ghl:c1',
        incomingValue: e5!,
        incomingSource: 'stripe',
        incomingSourceId: 'cus_1',
      },
      {
        clientId: client.id,
        field: 'phone_e164',
        existingValue: '+573124445566',
        existingSource: 'ghl:c1',
        incomingValue: '3201112233',
        incomingSource: 'manychat',
        incomingSourceId: 'sub_1',
      },
    ],
  });

  // Stored webhook events of several providers, with contact data in payloads, headers and errors.
  const events = [
    { provider: 'beds24', eventType: 'booking.modified', payload: { booking: beds24Booking } },
    {
      provider: 'ghl',
      eventType: 'ContactCreate',
      payload: { type: 'ContactCreate', email: e3!, phone: p3!, address1: a2!, firstName: 'Cliente' },
    },
    {
      provider: 'stripe',
      eventType: 'customer.created',
      payload: {
        type: 'customer.created',
        data: { object: { id: 'cus_1', email: e4!, phone: p4!, address: { line1: a1!, city: 'Cali' } } },
      },
    },
    {
      provider: 'siigo',
      eventType: 'public.siigoapi.products.stock.update',
      payload: { id: 'prod-1', available_quantity: 3 },
      error: `contact ${e4} at ${p4}`,
    },
  ];
  for (const [i, ev] of events.entries())
    await db.webhookEvent.create({
      data: {
        provider: ev.provider,
        eventType: ev.eventType,
        dedupeKey: `walk-${i}`,
        status: ev.error ? 'failed' : 'processed',
        payload: ev.payload,
        headers: { 'x-contact': e1!, 'user-agent': 'walk' },
        error: ev.error ?? null,
      },
    });

  // Dead letters with contact data in data, error and stack.
  await db.jobFailure.create({
    data: {
      queue: QUEUES.stagingCsv,
      jobName: JOBS.stagingCsvImport,
      jobId: 'walk-dlq-1',
      data: { importId: 'imp-1', row: { email: e6!, phone: p5!, direccion: a2! } },
      error: `row 3: ${e6} is taken; ${a4}`,
      stack: `Error: row 3: ${e6}\n    at import (${p6})`,
      attempts: 3,
    },
  });

  await db.crmWhatsappNumber.create({
    data: { numberId: '1122334455', phoneNumber: '+573015556677', displayName: 'Ventas' },
  });

  // BullMQ jobs: waiting with data, one completed with a result, one failed with an error, one with a log.
  await producer
    .queue(QUEUES.stagingCsv)
    .add(
      JOBS.stagingCsvImport,
      { importId: 'imp-2', uploadedBy: e7!, contact: { phone: p6!, address: a1! } },
      { jobId: 'walk-job-waiting', delay: 3_600_000 },
    );
  const logged = await producer
    .queue(QUEUES.callbellNotify)
    .add(JOBS.callbellSend, { orderId: order.id }, { jobId: 'walk-job-logged', delay: 3_600_000 });
  await logged.log(`sent to ${p1} for ${e7}, delivering at ${a0}`);
  const connection = createRedis(env.redisUrl, { maxRetriesPerRequest: null });
  const done = new Promise<void>((resolve) => {
    let finished = 0;
    const worker = new Worker(
      QUEUES.whatsappNumbers,
      async (job) => {
        if (job.data.fail) throw new Error(`could not reach ${e7} at ${p6} (${a0})`);
        return { added: 1, numbers: [{ phoneNumber: p6!, owner: e7!, address: a4! }] };
      },
      { connection, prefix, autorun: true },
    );
    const count = () => {
      if (++finished === 2) resolve();
    };
    worker.on('completed', count);
    worker.on('failed', count);
    workers.push(worker);
  });
  closeConnection = () => connection.quit().then(() => undefined);
  await producer
    .queue(QUEUES.whatsappNumbers)
    .add(JOBS.whatsappNumbersSync, { trigger: 'manual' }, { jobId: 'walk-sync-ok' });
  await producer
    .queue(QUEUES.whatsappNumbers)
    .add(
      JOBS.whatsappNumbersSync,
      { trigger: 'manual', fail: true },
      { jobId: 'walk-sync-fail', attempts: 1 },
    );
  await done;
}

/** Values for path parameters, from the seeded rows. */
async function paramValue(url: string, name: string): Promise<string | undefined> {
  if (name === 'id' && url.startsWith('/api/orders/'))
    return String((await db.order.findFirstOrThrow({ where: { sessionId: 'walk-session-1' } })).id);
  if (name === 'bookingId' && url.startsWith('/api/bookings/')) return '88776655';
  if (name === 'id' && (url.startsWith('/api/sync/clients/') || url.startsWith('/api/clients/')))
    return String((await db.client.findFirstOrThrow({ where: { name: 'Cliente GHL' } })).id);
  if (name === 'id' && url.startsWith('/api/stock/products/')) return '1';
  if (name === 'runId') {
    const run = await db.syncRun.create({
      data: { source: 'beds24', kind: 'backfill', status: 'succeeded', params: { note: EMAILS[0] } },
    });
    return String(run.id);
  }
  if (name === 'jobId' && url.startsWith('/api/whatsapp/')) return 'walk-sync-ok';
  if (name === 'queueName') return QUEUES.stagingCsv;
  if (name === 'jobId' && url.startsWith(BOARD_PATH)) return 'walk-job-waiting';
  if (name === '*') return '';
  return undefined;
}

/** Extra requests for routes whose answer depends on the query (Bull Board lists one queue's jobs). */
function variants(url: string): string[] {
  if (url === `${BOARD_PATH}/api/queues`)
    return [QUEUES.stagingCsv, QUEUES.callbellNotify, QUEUES.whatsappNumbers].flatMap((q) =>
      ['latest', 'delayed', 'completed', 'failed'].map((s) => `${url}?activeQueue=${q}&status=${s}&page=1`),
    );
  if (url === `${BOARD_PATH}/api/queues/:queueName/:jobId`)
    return [
      `${BOARD_PATH}/api/queues/${QUEUES.callbellNotify}/walk-job-logged`,
      `${BOARD_PATH}/api/queues/${QUEUES.whatsappNumbers}/walk-sync-ok`,
      `${BOARD_PATH}/api/queues/${QUEUES.whatsappNumbers}/walk-sync-fail`,
    ];
  if (url === `${BOARD_PATH}/api/queues/:queueName/:jobId/logs`)
    return [`${BOARD_PATH}/api/queues/${QUEUES.callbellNotify}/walk-job-logged/logs`];
  if (url === '/api/whatsapp/numbers/sync/:jobId') return ['/api/whatsapp/numbers/sync/walk-sync-fail'];
  if (url === '/api/sync/conflicts') return ['/api/sync/conflicts?status=all'];
  if (url === '/api/bookings') return ['/api/bookings?q=walker', '/api/bookings?q=88776655'];
  if (url === '/api/clients') return ['/api/clients?q=cliente'];
  return [];
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every seeded contact value that appears in the text, in any case, URL-encoded, or with other separators. */
function leaks(text: string): string[] {
  const lower = text.toLowerCase();
  let decoded = lower;
  try {
    decoded = decodeURIComponent(lower);
  } catch {}
  const found: string[] = [];
  for (const e of EMAILS)
    if (lower.includes(e.toLowerCase()) || decoded.includes(e.toLowerCase())) found.push(e);
  for (const p of PHONES) {
    const digits = p.replace(/\D/g, '').slice(-10);
    if (new RegExp(digits.split('').map(escapeRe).join('[\\s().+\\-]*')).test(decoded)) found.push(p);
  }
  const squash = (s: string) => s.replace(/\s+/g, ' ');
  for (const a of ADDRESSES) if (squash(decoded).includes(squash(a.toLowerCase()))) found.push(a);
  return found;
}

describe('viewer walk: no GET route gives a viewer unmasked contact data', () => {
  it('walks every registered GET route with seeded personal data', async () => {
    const gets = app.registeredRoutes.filter((r) => r.method === 'GET');
    // Sanity: the walk reaches the routes that read personal data.
    for (const u of ['/api/orders', '/api/actions', '/api/sync/conflicts', '/api/admin/failures'])
      expect(
        gets.map((r) => r.url),
        u,
      ).toContain(u);
    const unfillable: string[] = [];
    const findings: string[] = [];
    const answered: Record<string, number> = {};
    for (const r of gets) {
      if (r.url === '/api/stock/events') continue; // an endless SSE stream of stock numbers; no contact data
      let url = r.url;
      for (const m of r.url.matchAll(/:(\w+)|\*/g)) {
        const value = await paramValue(r.url, m[1] ?? '*');
        if (value === undefined) unfillable.push(`${r.url} (:${m[1]})`);
        else url = url.replace(m[0], encodeURIComponent(value));
      }
      for (const u of [url, ...variants(r.url)]) {
        const res = await app.inject({
          method: 'GET',
          url: u,
          headers: { authorization: `Bearer ${viewer}` },
        });
        answered[u] = res.statusCode;
        for (const value of leaks(res.body)) findings.push(`${u} (${res.statusCode}): ${value}`);
      }
    }
    expect(unfillable, 'GET routes with a path parameter this test cannot fill').toEqual([]);
    expect(findings).toEqual([]);
    // The data routes really answered (a 4xx everywhere would make the walk pass for nothing).
    for (const u of [
      '/api/orders',
      '/api/actions',
      '/api/sync/conflicts',
      '/api/admin/failures',
      '/api/admin/webhooks/logs',
      '/api/webhooks/logs',
      `${BOARD_PATH}/api/queues/${QUEUES.callbellNotify}/walk-job-logged/logs`,
      '/api/whatsapp/numbers/sync/walk-sync-ok',
      '/api/whatsapp/numbers/syncs',
      '/api/bookings?q=walker',
      '/api/bookings/88776655',
      '/api/clients?q=cliente',
    ])
      expect(answered[u], u).toBe(200);
    const clientReads = Object.entries(answered).filter(([u]) =>
      /^\/api\/clients\/\d+\/(sources|payments)$/.test(u),
    );
    expect(clientReads.map(([, status]) => status)).toEqual([200, 200]);
  });

  it('the same data reaches an admin unmasked (the walk can see a leak)', async () => {
    const admin = mintToken(app, 'ana-admin', 'admin');
    const res = await app.inject({
      method: 'GET',
      url: '/api/orders',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(leaks(res.body)).toEqual(expect.arrayContaining([EMAILS[0], PHONES[0], ADDRESSES[0]]));
    const board = await app.inject({
      method: 'GET',
      url: `${BOARD_PATH}/api/queues/${QUEUES.whatsappNumbers}/walk-sync-fail`,
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(leaks(board.body)).toContain(EMAILS[7]);
  });
});
