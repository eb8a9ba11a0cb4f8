import { createDb } from '@cauce/db';
import { buildIngress } from '@cauce/ingress/app';
import { mintToken } from '@cauce/ingress/plugins/auth';
import { JOBS, Producer, QUEUES } from '@cauce/queues';
import { createRedis, createRegistry, type WorkerApp } from '@cauce/runtime';
import { freePort, setupTestEnv, waitFor } from '@cauce/testkit';
import { startOrdersWorker } from '@cauce/worker-orders/app';
import type { OrdersConfig } from '@cauce/worker-orders/config';
import { API_KEY, orderPayload, ordersConfig, startSim } from '@cauce/worker-orders/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngress } from '../ingress.ts';

/**
 * End to end through real HTTP (ingress + provider-sim), Redis and PostgreSQL: intake, the
 * Bigin sync and its audit, the CallBell confirmation, retries, the sweep and the operator API.
 */
const env = await setupTestEnv();
const db = createDb(env.databaseUrl, { max: 2 });
const simPort = await freePort();
let sim: Awaited<ReturnType<typeof startSim>>;
let worker: WorkerApp<OrdersConfig>;
let ingress: Awaited<ReturnType<typeof startIngress>>;
let deps: Awaited<ReturnType<typeof startIngress>>['deps'];
let base: string;
let admin: string;
let viewer: string;

beforeAll(async () => {
  sim = await startSim(simPort);
  worker = await startOrdersWorker(ordersConfig(env, sim.base));
  ingress = await startIngress(env, {
    ORDERS_API_KEYS: `other-key, ${API_KEY}`,
    ORDERS_ENQUEUE_TIMEOUT_MS: '500',
  });
  ({ deps, base } = ingress);
  admin = mintToken(ingress.app, 'ana', 'admin');
  viewer = mintToken(ingress.app, 'victor', 'viewer');
});
afterAll(async () => {
  await ingress?.close();
  await worker?.close();
  await sim?.close();
  await db.$disconnect();
});

async function http(
  method: string,
  path: string,
  opts: { token?: string; key?: string; body?: unknown; idem?: string } = {},
  // biome-ignore lint/suspicious/noExplicitAny: response JSON, asserted field by field
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.key) headers['x-api-key'] = opts.key;
  if (opts.idem) headers['idempotency-key'] = opts.idem;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  return { status: res.status, body: await res.json() };
}

const postOrder = (body: unknown, idem?: string) => http('POST', '/api/orders', { key: API_KEY, body, idem });
const actionsOf = (orderId: number) => db.actionLog.findMany({ where: { orderId }, orderBy: { id: 'asc' } });
const waitSynced = (id: number, timeoutMs = 10_000) =>
  waitFor(async () => (await db.order.findUnique({ where: { id } }))?.syncedToBigin, {
    timeoutMs,
    message: `order ${id} synced`,
  });

describe('order intake and Bigin sync', () => {
  it('success: stores the order, creates it in Bigin with the document payload, audits it and notifies the customer', async () => {
    const tricky = {
      customer_name: `O'Brien"; DROP TABLE orders; --`,
      address: `Cra 7 # 1-2' OR '1'='1`,
      city: 'Bogotá',
      department: `Cundinamarca\\'); DELETE FROM actions_log; --`,
      email: '',
    };
    const res = await postOrder(orderPayload({ ...tricky, price: '159900.50' }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.any(Number), queued: true });
    const id = res.body.id as number;

    await waitSynced(id);
    const order = await db.order.findUniqueOrThrow({ where: { id } });
    expect(order).toMatchObject({
      ...{ customerName: tricky.customer_name, address: tricky.address, department: tricky.department },
      email: null,
      status: 'confirmado',
      syncedToBigin: true,
      biginOrderId: `Orden #${id} - ${tricky.customer_name}`,
      syncError: null,
    });
    expect(order.price.toFixed(2)).toBe('159900.50');
    expect(order.lastSyncAt).toBeInstanceOf(Date);

    const [sent] = (await sim.robotOrders()).filter(
      (o) => o.ordenName === `Orden #${id} - ${tricky.customer_name}`,
    );
    expect(sent).toEqual({
      ordenName: `Orden #${id} - ${tricky.customer_name}`,
      contactName: tricky.customer_name,
      subPipeline: 'Ventas Somnio Standard',
      stage: 'Nuevo Ingreso',
      closingDate: expect.stringMatching(/^\d{2}\/\d{2}\/\d{4}$/),
      amount: 159900.5,
      telefono: order.phone,
      direccion: tricky.address,
      municipio: 'Bogotá',
      departamento: tricky.department,
      email: '',
      description: 'WPP',
    });

    const created = await waitFor(async () => {
      const rows = await actionsOf(id);
      return rows.length >= 2 ? rows : null;
    });
    expect(created[0]).toMatchObject({
      actionType: 'bigin_order_created',
      success: true,
      workflowName: 'sync-bigin',
      executionId: `order-${id}`,
      errorMessage: null,
      actionData: { success: true, data: { ordenName: `Orden #${id} - ${tricky.customer_name}` } },
    });
    expect(created[1]).toMatchObject({ actionType: 'callbell_message_sent', success: true });
    const msg = (await sim.messages()).find((m) => m.to === order.phone);
    expect(msg?.text).toContain(`#${id}`);
    expect(msg?.text).toContain(
      new Intl.NumberFormat('es-CO', { style: 'currency', currency: 'COP' }).format(159900.5),
    );
    expect(msg?.text).toContain(tricky.address);

    // The operator API reads the same rows back unchanged.
    const one = await http('GET', `/api/orders/${id}`, { token: viewer });
    expect(one.status).toBe(200);
    expect(one.body.order).toMatchObject({ id, customerName: tricky.customer_name, price: '159900.50' });
    expect(one.body.actions.map((a: { actionType: string }) => a.actionType)).toEqual([
      'bigin_order_created',
      'callbell_message_sent',
    ]);
    const recent = await http('GET', '/api/actions?limit=2', { token: viewer });
    // A viewer gets contact data masked (docs/operations-admin.md, Redaction).
    expect(recent.body.actions[0]).toMatchObject({
      actionType: 'callbell_message_sent',
      customerName: tricky.customer_name,
      phone: '[redacted]',
    });
    expect(await db.order.count()).toBeGreaterThanOrEqual(1);
  });

  it('rejects calls without a valid API key or with an invalid body, storing nothing', async () => {
    const before = await db.order.count();
    expect((await http('POST', '/api/orders', { body: orderPayload() })).status).toBe(401);
    expect((await http('POST', '/api/orders', { key: 'wrong', body: orderPayload() })).status).toBe(401);
    const bad = await postOrder(orderPayload({ price: 'mucho', phone: undefined }));
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['phone', 'price']);
    expect(await db.order.count()).toBe(before);
    expect((await http('GET', '/api/orders', {})).status).toBe(401);
    expect((await http('POST', '/api/orders/retry-failed', { token: viewer })).status).toBe(403);
  });

  it('duplicate submission with the same Idempotency-Key returns the same order and syncs it once', async () => {
    const body = orderPayload();
    const key = `idem-${Date.now()}`;
    const [a, b] = await Promise.all([postOrder(body, key), postOrder(body, key)]);
    const c = await postOrder(body, key);
    const ids = [a.body.id, b.body.id, c.body.id];
    expect(new Set(ids).size).toBe(1);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(c).toMatchObject({ status: 200, body: { duplicate: true } });
    expect(await db.order.count({ where: { sessionId: body.session_id } })).toBe(1);
    // The same key for another pack is a client bug, not a replay.
    expect((await postOrder({ ...body, pack: 'Pack x3' }, key)).status).toBe(409);
    await waitSynced(ids[0]);
    const rows = await actionsOf(ids[0]);
    expect(rows.filter((r) => r.actionType === 'bigin_order_created')).toHaveLength(1);
    expect((await sim.robotOrders()).filter((o) => o.contactName === body.customer_name)).toHaveLength(1);
  });

  it('Robot API answering success:false: every attempt is audited, the order stays pending and visible', async () => {
    await sim.robotMode('fail');
    try {
      const { body } = await postOrder(orderPayload());
      const id = body.id as number;
      // 5 attempts (docs/orders.md), then the job is dead-lettered and the order waits.
      const rows = await waitFor(
        async () => {
          const r = await actionsOf(id);
          return r.length >= 5 ? r : null;
        },
        { timeoutMs: 15_000, message: '5 failed attempts' },
      );
      await waitFor(() => db.jobFailure.findFirst({ where: { jobId: `order-${id}` } }), {
        message: 'dead letter',
      });
      expect(rows).toHaveLength(5);
      for (const r of rows)
        expect(r).toMatchObject({
          actionType: 'bigin_order_failed',
          success: false,
          workflowName: 'sync-bigin',
          executionId: `order-${id}`,
          errorMessage: 'robot could not create the order',
        });
      const order = await db.order.findUniqueOrThrow({ where: { id } });
      expect(order).toMatchObject({
        syncedToBigin: false,
        biginOrderId: null,
        syncError: 'robot could not create the order',
      });
      expect(order.lastSyncAt).toBeInstanceOf(Date);
      const withError = await http('GET', '/api/orders?with_error=true', { token: viewer });
      expect(withError.body.orders.map((o: { id: number }) => o.id)).toContain(id);
      const unsynced = await http('GET', '/api/orders?synced=false', { token: viewer });
      expect(unsynced.body.orders.map((o: { id: number }) => o.id)).toContain(id);

      // Fixed on the robot's side: the admin retries this one order.
      await sim.robotMode('success');
      expect((await http('POST', `/api/orders/${id}/retry`, { token: admin })).status).toBe(202);
      await waitSynced(id);
      expect(await db.order.findUniqueOrThrow({ where: { id } })).toMatchObject({ syncError: null });
      expect((await http('POST', `/api/orders/${id}/retry`, { token: admin })).status).toBe(409);
    } finally {
      await sim.robotMode('success');
    }
  });

  it('Robot API timing out: the attempt fails after BIGIN_ROBOT_TIMEOUT_MS and a later attempt syncs', async () => {
    // Every call hangs until the rule is removed after the first timed-out attempt.
    await sim.call('PUT', '/__sim/faults', [{ route: '^POST /bigin/create-order$', hang: true }]);
    const { body } = await postOrder(orderPayload());
    const id = body.id as number;
    const failed = await waitFor(async () => (await actionsOf(id)).find((r) => !r.success), {
      message: 'timed-out attempt',
    });
    expect(failed.errorMessage).toMatch(/timed out after 1500 ms/);
    expect((await db.order.findUniqueOrThrow({ where: { id } })).syncError).toMatch(/timed out/);
    await sim.call('DELETE', '/__sim/faults');
    await waitSynced(id);
    const rows = await actionsOf(id);
    expect(rows.filter((r) => r.actionType === 'bigin_order_failed').length).toBeGreaterThanOrEqual(1);
    expect(rows.filter((r) => r.actionType === 'bigin_order_created')).toHaveLength(1);
  });

  it('Robot API down then up (503 twice): the order syncs on the third attempt', async () => {
    await sim.fault({ route: '^POST /bigin/create-order$', failNext: [503, 503] });
    const { body } = await postOrder(orderPayload());
    const id = body.id as number;
    await waitSynced(id);
    const rows = await actionsOf(id);
    const sync = rows.filter((r) => r.workflowName === 'sync-bigin');
    expect(sync.map((r) => [r.actionType, r.success])).toEqual([
      ['bigin_order_failed', false],
      ['bigin_order_failed', false],
      ['bigin_order_created', true],
    ]);
    expect(sync[0]?.errorMessage).toContain('answered 503');
    await sim.call('DELETE', '/__sim/faults');
  });

  it('a CallBell failure never unsyncs the order: its own retries and audit rows', async () => {
    // Earlier tests' notifications still retrying would take some of the injected failures.
    await waitFor(
      async () => {
        const c = await deps.producer
          .queue(QUEUES.callbellNotify)
          .getJobCounts('waiting', 'active', 'delayed');
        return Object.values(c).every((n) => n === 0) || null;
      },
      { message: 'earlier notifications to finish' },
    );
    await sim.fault({ route: '^POST /callbell/v1/messages/send$', failNext: [500, 500, 500, 500] });
    const { body } = await postOrder(orderPayload());
    const id = body.id as number;
    const rows = await waitFor(
      async () => {
        const r = await actionsOf(id);
        return r.filter((x) => x.actionType === 'callbell_message_failed').length >= 4 ? r : null;
      },
      { message: '4 failed notifications', timeoutMs: 30_000 },
    );
    await waitFor(() => db.jobFailure.findFirst({ where: { jobId: `notify-order-${id}` } }), {
      timeoutMs: 30_000,
    });
    expect(rows.filter((r) => r.actionType === 'callbell_message_sent')).toHaveLength(0);
    expect(rows.find((r) => r.actionType === 'callbell_message_failed')).toMatchObject({
      success: false,
      workflowName: 'notify-callbell',
      errorMessage: expect.stringContaining('answered 500'),
    });
    expect(await db.order.findUniqueOrThrow({ where: { id } })).toMatchObject({
      syncedToBigin: true,
      syncError: null,
      biginOrderId: expect.stringMatching(/^Orden #/),
    });
    await sim.call('DELETE', '/__sim/faults');
  });

  it('Redis down at POST time: the order is still stored and answered 201; the sweep syncs it', async () => {
    const deadRedis = createRedis(`redis://127.0.0.1:${await freePort()}`, {
      lazyConnect: true,
      retryStrategy: () => 200,
    });
    deadRedis.on('error', () => {}); // expected: nothing listens there
    const deadProducer = new Producer(deadRedis, env.prefix);
    deadProducer.queue(QUEUES.biginOrders).on('error', () => {});
    // Its own registry: the queue gauges are registered once per ingress.
    const offline = await buildIngress({
      ...deps,
      registry: createRegistry('ingress-offline'),
      producer: deadProducer,
    });
    try {
      const started = Date.now();
      const res = await offline.inject({
        method: 'POST',
        url: '/api/orders',
        headers: { 'x-api-key': API_KEY },
        payload: orderPayload(),
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ queued: false });
      expect(Date.now() - started).toBeLessThan(3000);
      const id = res.json().id as number;
      expect(await db.order.findUniqueOrThrow({ where: { id } })).toMatchObject({
        syncedToBigin: false,
        lastSyncAt: null,
      });
      // The sweep job (what the scheduler adds every ORDERS_SWEEP_INTERVAL_MS) re-enqueues it.
      await deps.producer.add(QUEUES.ordersSweep, JOBS.ordersSweep, { trigger: 'manual' });
      await waitSynced(id);
      expect((await actionsOf(id))[0]).toMatchObject({
        actionType: 'bigin_order_created',
        executionId: expect.stringMatching(new RegExp(`^order-${id}-sweep-`)),
      });
    } finally {
      await offline.close();
      await deadProducer.close().catch(() => {});
      deadRedis.disconnect();
    }
  });

  it('Robot API unreachable for the whole run: no order is lost, all are listed unsynced, retry-failed syncs them', async () => {
    await sim.close();
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await postOrder(orderPayload());
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    // Every attempt of every order fails (connection refused) and is dead-lettered.
    await waitFor(
      async () =>
        (await db.jobFailure.count({ where: { jobId: { in: ids.map((id) => `order-${id}`) } } })) === 4,
      { timeoutMs: 15_000, message: 'all four dead-lettered' },
    );
    for (const id of ids) {
      const rows = await actionsOf(id);
      expect(rows).toHaveLength(5);
      expect(rows.every((r) => r.actionType === 'bigin_order_failed' && !r.success)).toBe(true);
    }
    const unsynced = await http('GET', '/api/orders?synced=false&limit=500', { token: viewer });
    expect(unsynced.body.orders.map((o: { id: number }) => o.id)).toEqual(expect.arrayContaining(ids));

    sim = await startSim(simPort);
    const retry = await http('POST', '/api/orders/retry-failed', { token: admin });
    expect(retry.status).toBe(202);
    expect(retry.body.orderIds).toEqual(expect.arrayContaining(ids));
    for (const id of ids) await waitSynced(id);
    expect(await db.order.count({ where: { syncedToBigin: false } })).toBe(0);
    expect((await http('GET', '/api/orders?synced=false', { token: viewer })).body.total).toBe(0);
    expect((await sim.robotOrders()).length).toBe(4);
  });
});

describe('the CallBell number', () => {
  it('is E.164: national digits are read as Colombian, a number with a country code keeps it', async () => {
    const cases = [
      ['300 123 4567', '+573001234567'],
      ['3001234568', '+573001234568'],
      ['+1 415 555 2671', '+14155552671'],
      ['0057 300 123 4569', '+573001234569'],
    ] as const;
    for (const [phone, e164] of cases) {
      const res = await postOrder(orderPayload({ phone }));
      expect(res.status).toBe(201);
      const id = res.body.id as number;
      const sent = await waitFor(async () => {
        const rows = await actionsOf(id);
        return rows.find((r) => r.actionType === 'callbell_message_sent') ?? null;
      });
      expect(sent.actionData).toMatchObject({ to: e164, phone });
      // What CallBell itself received.
      const msgs = (await sim.messages()).filter((m) => m.text.includes(`#${id} `));
      expect(msgs.map((m) => m.to)).toEqual([e164]);
    }
  });

  it('an order whose phone is not a valid number is notified nowhere and says so in actions_log', async () => {
    const res = await postOrder(orderPayload({ phone: '1234567' }));
    expect(res.status).toBe(201);
    const id = res.body.id as number;
    const skipped = await waitFor(async () => {
      const rows = await actionsOf(id);
      return rows.find((r) => r.actionType === 'callbell_message_skipped') ?? null;
    });
    expect(skipped).toMatchObject({
      success: false,
      workflowName: 'notify-callbell',
      errorMessage: expect.stringContaining('not a valid number'),
    });
    expect((await sim.messages()).filter((m) => m.text.includes(`#${id} `))).toEqual([]);
    expect((await actionsOf(id)).map((r) => r.actionType)).toEqual([
      'bigin_order_created',
      'callbell_message_skipped',
    ]);
  });
});
