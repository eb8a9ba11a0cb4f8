import { mintToken } from '@cauce/ingress/plugins/auth';
import { sseConnectionName } from '@cauce/ingress/routes/stock/events';
import { scrape, waitFor } from '@cauce/testkit';
import { publishStockEvents } from '@cauce/worker-stock/events';
import type { SimProduct } from '@cauce/worker-stock/testing';
import { describe, expect, it } from 'vitest';
import { openEventStream, startLiveStock } from './stack.ts';

/**
 * The whole live path through real HTTP, Redis and PostgreSQL: SIIGO (provider-sim) ->
 * webhook_events + siigo-stock job (the ingress contract) -> worker-stock -> products /
 * stock_changes -> Redis stream -> the ingress's /api/stock/events -> an SSE reader.
 */
const { env, db, sim, products, worker, deps, ingress, base, api, adminToken, webhookUrl } =
  await startLiveStock({
    products: 60,
    webhookToken: 'live-test-siigo-path-token-0123456789',
  });
const auth = () => ({ authorization: `Bearer ${adminToken}` });

/** Delivers a SIIGO webhook through the ingress route, as SIIGO does; returns the stored event id. */
async function viaIngress(topic: string, body: Record<string, unknown>): Promise<bigint> {
  const res = await fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ company_key: 'CauceSimCompany', ...body, topic }),
  });
  expect(res.status).toBe(202);
  const row = await db.webhookEvent.findFirstOrThrow({
    where: { provider: 'siigo', entityId: String(body.id) },
    orderBy: { id: 'desc' },
  });
  return row.id;
}

describe('SIIGO webhooks to live stock events', () => {
  let lastSeenId = '';

  it('a webhook updates its product and an SSE client receives the event', async () => {
    const stream = await openEventStream(`${base}/api/stock/events`, auth());
    try {
      expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const target = products.find((p) => /[áéíóúñº–]/.test(p.name))!;
      const before = Number(
        (await db.product.findUniqueOrThrow({ where: { siigoProductId: target.id } })).stock,
      );
      const { product: changed } = await sim.setStock(target.id, 500);
      // The hook carries an outdated quantity: the worker must trust SIIGO's current value.
      const started = Date.now();
      const eventId = await viaIngress('public.siigoapi.products.stock.update', {
        ...changed,
        available_quantity: 1,
        company_key: 'CauceSimCompany',
        topic: 'public.siigoapi.products.stock.update',
      });
      await waitFor(
        async () =>
          Number((await db.product.findUniqueOrThrow({ where: { siigoProductId: target.id } })).stock) ===
          changed.available_quantity,
        { message: 'product updated' },
      );
      const [msg] = await waitFor(() => (stream.messages().length ? stream.messages() : null), {
        timeoutMs: 2_000,
        message: 'an SSE event',
      });
      const row = await db.product.findUniqueOrThrow({ where: { siigoProductId: target.id } });
      expect(msg).toMatchObject({
        productId: row.id.toString(),
        siigoProductId: target.id,
        productName: target.name,
        oldStock: before,
        newStock: changed.available_quantity,
        source: 'webhook',
      });
      expect(msg!.id).toMatch(/^\d+-\d+$/);
      expect(Date.parse(msg!.timestamp)).toBeGreaterThan(started - 1000);
      lastSeenId = msg!.id;

      const change = await db.stockChange.findFirstOrThrow({ where: { webhookEventId: eventId } });
      expect(change.source).toBe('webhook');
      // Settled in the stock write's transaction; counted once the job returns (after the publish).
      expect((await db.webhookEvent.findUniqueOrThrow({ where: { id: eventId } })).status).toBe('processed');
      await expect
        .poll(() =>
          scrape(`http://127.0.0.1:${worker.port}/metrics`, 'siigo_webhook_events_total', {
            topic: 'public.siigoapi.products.stock.update',
            outcome: 'processed',
          }),
        )
        .toBe(1);
    } finally {
      await stream.close();
    }
  });

  it('a client reconnecting with Last-Event-ID receives exactly the changes it missed', async () => {
    const [p1, p2] = [products[10]!, products[11]!];
    // Two synthetic events through POST /api/webhooks/test while nobody listens.
    for (const [p, n] of [
      [p1, 901],
      [p2, 902],
    ] as const) {
      const res = await api('POST', '/api/webhooks/test', { product_id: p.id, new_stock: n });
      expect(res.status).toBe(202);
      await waitFor(
        async () =>
          (await db.webhookEvent.findUniqueOrThrow({ where: { id: BigInt(res.body.webhookEventId) } }))
            .status === 'processed',
        { message: 'test event processed' },
      );
    }
    const stream = await openEventStream(`${base}/api/stock/events`, {
      ...auth(),
      'last-event-id': lastSeenId,
    });
    try {
      const missed = await waitFor(() => (stream.messages().length >= 2 ? stream.messages() : null), {
        timeoutMs: 2_000,
        message: 'two replayed events',
      });
      expect(missed.map((m) => [m.siigoProductId, m.newStock, m.source])).toEqual([
        [p1.id, 901, 'webhook'],
        [p2.id, 902, 'webhook'],
      ]);
      // Live again after the replay: a new change arrives on the same stream.
      await api('POST', '/api/webhooks/test', { product_id: p1.id, new_stock: 903 });
      await waitFor(() => stream.messages().length === 3, { message: 'the live event after replay' });
      expect(stream.messages()[2]).toMatchObject({ siigoProductId: p1.id, oldStock: 901, newStock: 903 });
      expect(new Set(stream.messages().map((m) => m.id)).size).toBe(3);
    } finally {
      await stream.close();
    }
  });

  it('an id older than the kept window gets a gap notice, then everything kept (viewer role, ?lastEventId=)', async () => {
    const viewer = mintToken(ingress, 'test-viewer', 'viewer');
    const stream = await openEventStream(`${base}/api/stock/events?lastEventId=1-0`, {
      authorization: `Bearer ${viewer}`,
    });
    try {
      await waitFor(() => stream.messages().length >= 4, {
        timeoutMs: 2_000,
        message: 'replay of all kept events',
      });
      expect(stream.events[0]!.event).toBe('gap');
      expect(
        stream
          .messages()
          .map((m) => m.newStock)
          .slice(1),
      ).toEqual([901, 902, 903]);
    } finally {
      await stream.close();
    }
  });

  it('events published while the ingress lost its Redis subscription still reach the stream', async () => {
    const stream = await openEventStream(`${base}/api/stock/events`, auth());
    try {
      // Drop only this ingress's subscriber connection (found by its name, which carries this
      // file's prefix: other files' ingresses have their own), then publish at once:
      // the event lands while pub/sub is disconnected and must come from the stream instead.
      const list = (await deps.redis.client('LIST')) as string;
      const line = list
        .split('\n')
        .find((l) => l.includes(` name=${sseConnectionName(env.prefix)} `) && l.includes(' sub=1 '));
      const id = /(?:^| )id=(\d+)/.exec(line ?? '')?.[1];
      expect(id).toBeDefined();
      await deps.redis.client('KILL', 'ID', id!);
      await publishStockEvents(
        deps.redis,
        env.prefix,
        [
          {
            productId: '1',
            siigoProductId: products[1]!.id,
            productName: products[1]!.name,
            oldStock: 1,
            newStock: 2,
            source: 'webhook',
            timestamp: new Date().toISOString(),
          },
        ],
        { retentionMs: 60_000, maxLen: 1000 },
      );
      await waitFor(() => stream.messages().length === 1, {
        timeoutMs: 5_000,
        message: 'the event after reconnect',
      });
      expect(stream.messages()[0]).toMatchObject({ siigoProductId: products[1]!.id, newStock: 2 });
    } finally {
      await stream.close();
    }
  });

  it('unknown topics are stored and acknowledged but not processed, and counted', async () => {
    const id = await viaIngress('public.siigoapi.customers.create', {
      id: products[0]!.id,
    });
    await waitFor(
      async () => (await db.webhookEvent.findUniqueOrThrow({ where: { id } })).status === 'ignored',
      {
        message: 'ignored',
      },
    );
    // Counted after the settle the wait above saw: poll the counter itself.
    await expect
      .poll(() =>
        scrape(`http://127.0.0.1:${worker.port}/metrics`, 'siigo_webhook_events_total', {
          topic: 'unknown',
          outcome: 'ignored',
        }),
      )
      .toBe(1);
  });

  it('stats, logs and the admin guard', async () => {
    const stats = await api('GET', '/api/stock/stats');
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({
      products: { total: 60, synced: 60, updated_today: 60 },
      webhooks: { total: 5, processed: 4, last_hour: 5 },
      webhooksConfigured: false,
      syncRunning: false,
    });
    expect(typeof stats.body.products.avg_stock).toBe('number');
    expect(Date.parse(stats.body.products.last_sync_time)).toBeGreaterThan(Date.now() - 60_000);

    const logs = await api('GET', '/api/webhooks/logs?limit=2');
    expect(logs.body.logs).toHaveLength(2);
    expect(logs.body.logs[0].topic).toBe('public.siigoapi.customers.create');
    expect(logs.body.logs[0].status).toBe('ignored');

    expect((await fetch(`${base}/api/stock/stats`)).status).toBe(401);
    const viewer = mintToken(ingress, 'test-viewer', 'viewer');
    const denied = await fetch(`${base}/api/webhooks/setup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(denied.status).toBe(403);
  });

  it('POST /api/stock/sync queues a run the worker performs; bad test events are refused', async () => {
    const before = await db.syncRun.count({ where: { status: 'succeeded' } });
    const res = await api('POST', '/api/stock/sync');
    expect(res.status).toBe(202);
    await waitFor(async () => (await db.syncRun.count({ where: { status: 'succeeded' } })) === before + 1, {
      message: 'the manual run',
    });
    const run = await db.syncRun.findFirstOrThrow({ orderBy: { id: 'desc' } });
    expect(run.params).toMatchObject({ trigger: 'manual' });
    expect((await api('POST', '/api/webhooks/test', { product_id: 'nope', new_stock: 1 })).status).toBe(404);
    expect((await api('POST', '/api/webhooks/test', { product_id: products[0]!.id })).status).toBe(400);
  });

  it('webhook setup subscribes the three topics once, however often it runs', async () => {
    // A setup in progress elsewhere (its lock, under the key deployed replicas share) refuses a second.
    const lockKey = `${env.prefix}:siigo:webhook-setup:lock`;
    await deps.redis.set(lockKey, 'another-replica', 'PX', 60_000);
    const busy = await api('POST', '/api/webhooks/setup');
    expect(busy.status).toBe(409);
    expect(busy.body.error).toBe('busy');
    expect(await deps.redis.get(lockKey)).toBe('another-replica');
    await deps.redis.del(lockKey);
    await sim.faults([{ route: '^POST /siigo/v1/webhooks$', failNext: [500] }]);
    const failed = await api('POST', '/api/webhooks/setup');
    expect(failed.status).toBe(502);
    expect(failed.body.error).toBe('siigo_error');
    await sim.faults([]);
    const first = await api('POST', '/api/webhooks/setup');
    expect(first.status).toBe(200);
    expect(first.body.created).toBe(3);
    expect(first.body.url).toBe(`${base}/api/webhooks/siigo`);
    const second = await api('POST', '/api/webhooks/setup');
    expect(second.body.created).toBe(0);
    expect(second.body.subscriptions.map((s: { status: string }) => s.status)).toEqual([
      'existing',
      'existing',
      'existing',
    ]);
    const simState = await sim.state();
    expect(simState.subscriptions.map((s: { topic: string }) => s.topic).sort()).toEqual([
      'public.siigoapi.products.create',
      'public.siigoapi.products.stock.update',
      'public.siigoapi.products.update',
    ]);
    expect(await db.webhookSubscription.count()).toBe(3);
    const listed = await api('GET', '/api/webhooks/subscriptions');
    expect(listed.body.subscriptions).toHaveLength(3);
    expect(listed.body.subscriptions[0].companyKey).toBe('CauceSimCompany');
    expect((await api('GET', '/api/stock/stats')).body.webhooksConfigured).toBe(true);
    expect(await deps.redis.exists(lockKey)).toBe(0); // each run released its lock
  });

  it('products.create brings in a product SIIGO just created, products.update its new details', async () => {
    const {
      products: [created],
    } = (await sim.seed(1)) as { products: SimProduct[] };
    const first = await viaIngress('public.siigoapi.products.create', {
      ...created!,
    });
    await waitFor(
      async () => (await db.webhookEvent.findUniqueOrThrow({ where: { id: first } })).status === 'processed',
      {
        message: 'create processed',
      },
    );
    const row = await db.product.findUniqueOrThrow({ where: { siigoProductId: created!.id } });
    expect(row).toMatchObject({ name: created!.name, lastSource: 'webhook' });
    expect(Number(row.stock)).toBe(created!.available_quantity);

    await sim.rename(created!.id, 'Panela orgánica – cosecha añeja');
    const second = await viaIngress('public.siigoapi.products.update', {
      id: created!.id,
    });
    await waitFor(
      async () => (await db.webhookEvent.findUniqueOrThrow({ where: { id: second } })).status === 'processed',
      {
        message: 'update processed',
      },
    );
    expect((await db.product.findUniqueOrThrow({ where: { siigoProductId: created!.id } })).name).toBe(
      'Panela orgánica – cosecha añeja',
    );
  });

  it('a replay longer than one read page arrives complete and in order', async () => {
    const [latest] = await deps.redis.xrevrange(`${env.prefix}:stock:events`, '+', '-', 'COUNT', 1);
    const events = Array.from({ length: 2_500 }, (_, i) => ({
      productId: '1',
      siigoProductId: products[2]!.id,
      productName: products[2]!.name,
      oldStock: i,
      newStock: i + 1,
      source: 'scheduled_sync' as const,
      timestamp: new Date().toISOString(),
    }));
    for (let i = 0; i < events.length; i += 500)
      await publishStockEvents(deps.redis, env.prefix, events.slice(i, i + 500), {
        retentionMs: 600_000,
        maxLen: 100_000,
      });
    const stream = await openEventStream(`${base}/api/stock/events`, {
      ...auth(),
      'last-event-id': latest![0],
    });
    try {
      await waitFor(() => stream.messages().length >= 2_500, {
        timeoutMs: 5_000,
        message: '2,500 replayed events',
      });
      expect(stream.messages().map((m) => m.newStock)).toEqual(events.map((e) => e.newStock));
    } finally {
      await stream.close();
    }
  });

  it('a SIIGO webhook claiming to be synthetic is re-fetched; only the admin test event skips SIIGO', async () => {
    const target = products[5]!;
    const stockOf = async () =>
      Number((await db.product.findUniqueOrThrow({ where: { siigoProductId: target.id } })).stock);
    const statusOf = async (id: bigint) =>
      (await db.webhookEvent.findUniqueOrThrow({ where: { id } })).status;
    const { product: atSiigo } = await sim.setStock(target.id, 321);
    // A forged (or merely odd) delivery carrying the flag the admin route used to put in the body.
    const forged = await viaIngress('public.siigoapi.products.stock.update', {
      id: target.id,
      available_quantity: 999_999,
      synthetic: true,
    });
    await expect.poll(() => statusOf(forged), { timeout: 10_000 }).toBe('processed');
    expect(await stockOf()).toBe(atSiigo.available_quantity);
    expect((await db.webhookEvent.findUniqueOrThrow({ where: { id: forged } })).synthetic).toBe(false);

    // The operator's test event sets the stock it names without reading SIIGO (which still says 321).
    const res = await api('POST', '/api/webhooks/test', { product_id: target.id, new_stock: 77 });
    expect(res.status).toBe(202);
    const testEvent = BigInt(res.body.webhookEventId);
    await expect.poll(() => statusOf(testEvent), { timeout: 10_000 }).toBe('processed');
    expect(await stockOf()).toBe(77);
    const stored = await db.webhookEvent.findUniqueOrThrow({ where: { id: testEvent } });
    expect(stored.synthetic).toBe(true);
    expect(stored.payload).not.toHaveProperty('synthetic');
  });
});
