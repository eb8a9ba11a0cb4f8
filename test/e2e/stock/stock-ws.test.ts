import { AUTH_COOKIE, mintToken } from '@cauce/ingress/plugins/auth';
import { waitFor } from '@cauce/testkit';
import type { SimProduct } from '@cauce/worker-stock/testing';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLiveStock } from './stack.ts';

/**
 * The source system's interfaces, served by Cauce: the WebSocket of live stock changes (its
 * payload, the same authentication as the SSE stream, replay from the last seen event) and the
 * stats under the source system's keys. SIIGO is provider-sim: its webhooks reach the ingress
 * over HTTP, worker-stock applies them, the socket gets the change.
 */
const { db, sim, products, ingress, base, webhookUrl } = await startLiveStock({
  products: 12,
  webhookToken: 'ws-test-siigo-path-token-0123456789abc',
});
const viewer = mintToken(ingress, 'test-viewer', 'viewer');

const wsUrl = (query = '') => `${base.replace('http', 'ws')}/api/stock/ws${query}`;

/** A real WebSocket client: its messages as they arrive, or the HTTP status that refused it. */
function connect(query: string, headers: Record<string, string>) {
  const ws = new WebSocket(wsUrl(query), { headers });
  const messages: Array<Record<string, unknown>> = [];
  ws.on('message', (m) => messages.push(JSON.parse(String(m))));
  const opened = new Promise<number>((resolve) => {
    ws.on('open', () => resolve(101));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
  return { ws, messages, opened };
}

/** SIIGO changes a product's stock and sends its webhook (provider-sim, over HTTP to the ingress). */
async function siigoChanges(product: SimProduct, quantity: number): Promise<number> {
  const { product: changed } = await sim.setStock(product.id, quantity);
  await sim.emit(webhookUrl, product.id);
  return changed.available_quantity; // the sum over its warehouses
}

describe('GET /api/stock/ws (WebSocket)', () => {
  let lastSeen = '';

  it('refuses a socket without credentials or with a bad token (401), like the SSE stream', async () => {
    expect(await connect('', {}).opened).toBe(401);
    expect(await connect('', { authorization: 'Bearer nope' }).opened).toBe(401);
    // A plain GET is not an upgrade: 426.
    expect(
      (await fetch(`${base}/api/stock/ws`, { headers: { authorization: `Bearer ${viewer}` } })).status,
    ).toBe(426);
  });

  it("a viewer's socket receives a live stock change in the source system's payload", async () => {
    const c = connect('', { authorization: `Bearer ${viewer}` });
    expect(await c.opened).toBe(101);
    const target = products[3]!;
    const before = Number(
      (await db.product.findUniqueOrThrow({ where: { siigoProductId: target.id } })).stock,
    );
    const now = await siigoChanges(target, before + 17);
    const [msg] = await waitFor(() => (c.messages.length ? c.messages : null), {
      message: 'a socket message',
    });
    const row = await db.product.findUniqueOrThrow({ where: { siigoProductId: target.id } });
    expect(Number(row.stock)).toBe(now);
    expect(Object.keys(msg!).sort()).toEqual(
      [
        'eventId',
        'newStock',
        'oldStock',
        'productId',
        'productName',
        'siigoProductId',
        'source',
        'timestamp',
      ].sort(),
    );
    expect(msg).toMatchObject({
      productId: row.id.toString(),
      siigoProductId: target.id,
      productName: target.name,
      oldStock: before,
      newStock: now,
      source: 'webhook',
    });
    expect(String(msg!.eventId)).toMatch(/^\d+-\d+$/);
    expect(Number.isNaN(Date.parse(String(msg!.timestamp)))).toBe(false);
    lastSeen = String(msg!.eventId);
    c.ws.close();
  });

  it('a reconnect with lastEventId gets what changed while it was away, then goes live', async () => {
    expect(lastSeen).not.toBe('');
    const away = [products[5]!, products[6]!];
    const quantities: number[] = [];
    for (const [i, p] of away.entries()) quantities.push(await siigoChanges(p, 900 + i));
    await waitFor(
      async () => {
        const rows = await db.product.findMany({ where: { siigoProductId: { in: away.map((p) => p.id) } } });
        return rows.every((r) => quantities.includes(Number(r.stock)));
      },
      { message: 'both changes stored' },
    );
    // The session cookie authenticates the socket too (the console's way).
    const session = await ingress
      .accounts!.add({ name: 'wendy-viewer', role: 'viewer', password: 'ws viewer pass 1' }, 'test')
      .then(async () => ingress.accounts!.openSession((await ingress.accounts!.find('wendy-viewer'))!));
    const c = connect(`?lastEventId=${encodeURIComponent(lastSeen)}`, {
      cookie: `${AUTH_COOKIE}=${session.cookie}`,
    });
    expect(await c.opened).toBe(101);
    await waitFor(() => c.messages.length >= 2, { message: 'the replay' });
    expect(c.messages.map((m) => [m.siigoProductId, m.newStock])).toEqual([
      [away[0]!.id, quantities[0]],
      [away[1]!.id, quantities[1]],
    ]);
    const live = await siigoChanges(products[7]!, 777);
    await waitFor(() => c.messages.length >= 3, { message: 'live after the replay' });
    expect(c.messages[2]).toMatchObject({ siigoProductId: products[7]!.id, newStock: live });
    expect(c.messages).toHaveLength(3);
    c.ws.close();
  });
});

describe('GET /api/stock/stats in the source system shape', () => {
  it("answers with the source system's keys (and today's), with the same values", async () => {
    const res = await fetch(`${base}/api/stock/stats`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(res.status).toBe(200);
    const stats = (await res.json()) as {
      products: Record<string, unknown>;
      webhooks: Record<string, unknown>;
      [k: string]: unknown;
    };
    expect(Object.keys(stats).sort()).toEqual(['products', 'syncRunning', 'webhooks', 'webhooksConfigured']);
    for (const k of ['total_products', 'synced_products', 'updated_today', 'avg_stock', 'last_sync_time'])
      expect(stats.products, k).toHaveProperty(k);
    for (const k of ['total_webhooks', 'processed_webhooks', 'webhooks_last_hour'])
      expect(stats.webhooks, k).toHaveProperty(k);
    const hooks = await db.webhookEvent.count({ where: { provider: 'siigo' } });
    const processed = await db.webhookEvent.count({ where: { provider: 'siigo', status: 'processed' } });
    expect(stats.products).toMatchObject({ total_products: 12, synced_products: 12, total: 12, synced: 12 });
    expect(stats.webhooks).toMatchObject({
      total_webhooks: hooks,
      processed_webhooks: processed,
      webhooks_last_hour: hooks,
      total: hooks,
      processed,
      last_hour: hooks,
    });
    expect(hooks).toBe(4);
    expect(typeof stats.products.avg_stock).toBe('number');
    expect(Date.parse(String(stats.products.last_sync_time))).toBeGreaterThan(Date.now() - 10 * 60_000);
    expect(stats.webhooksConfigured).toBe(false);
    expect(stats.syncRunning).toBe(false);
  });
});
