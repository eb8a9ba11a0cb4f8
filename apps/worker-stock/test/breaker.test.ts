import { scrape, waitFor } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StockWorker, startStockWorker } from '../src/app.ts';
import { runScheduledSync } from '../src/sync.ts';
import { setupStockTest, stockConfig, storeAndEnqueue } from './support.ts';

const { env, db, producer, sim } = await setupStockTest();
let worker: StockWorker;

beforeAll(async () => {
  await sim.seed(30);
  worker = await startStockWorker(
    stockConfig(env, sim, { SIIGO_BREAKER_VOLUME: '2', SIIGO_BREAKER_RESET_MS: '2500' }),
  );
  expect((await runScheduledSync(worker.stock!)).outcome).toBe('succeeded');
});
afterAll(async () => {
  await worker?.close();
});

interface Health {
  status: string;
  siigo: { circuit: string; lastSync: unknown };
}
const health = async () => (await (await fetch(`http://127.0.0.1:${worker.port}/health`)).json()) as Health;
const metric = (name: string, labels: Record<string, string>) =>
  scrape(`http://127.0.0.1:${worker.port}/metrics`, name, labels);

describe('SIIGO circuit breaker', () => {
  it('opens when SIIGO is down, skips runs, keeps webhooks queued, and recovers when SIIGO is back', async () => {
    await sim.faults([{ route: '^(GET|POST) /siigo/', errorRate: 1, errorStatus: 503 }]);
    expect((await runScheduledSync(worker.stock!)).outcome).toBe('failed');
    expect((await runScheduledSync(worker.stock!)).outcome).toBe('failed');

    expect(worker.stock!.breaker.state).toBe('open');
    const h = await health();
    expect(h.status).toBe('degraded');
    expect(h.siigo.circuit).toBe('open');
    expect(h.siigo.lastSync).toMatchObject({ status: 'failed', error: expect.stringMatching(/503/) });
    expect(await metric('siigo_circuit_state', { state: 'open' })).toBe(1);

    // Open: the run is skipped without calling SIIGO at all.
    await sim.resetCalls();
    expect((await runScheduledSync(worker.stock!)).outcome).toBe('skipped_circuit_open');
    expect(await metric('siigo_sync_runs_total', { outcome: 'skipped_circuit_open' })).toBe(1);

    // A webhook meanwhile is stored and queued; its attempts fail fast and it waits to be retried.
    const product = (await sim.products())[4]!;
    const { product: changed } = await sim.setStock(product.id, 321);
    const eventId = await storeAndEnqueue(db, producer, 'public.siigoapi.products.stock.update', changed);
    await waitFor(async () => ((await metric('jobs_failed_total', { queue: 'siigo-stock' })) ?? 0) >= 1, {
      message: 'a failed webhook attempt',
    });
    expect((await db.webhookEvent.findUniqueOrThrow({ where: { id: eventId } })).status).toBe('queued');
    expect((await sim.calls())['GET /siigo/v1/products/:id'] ?? 0).toBe(0);

    // SIIGO is back: after the cool-down one trial call closes the breaker.
    await sim.faults([]);
    await waitFor(() => worker.stock!.breaker.state !== 'open', { timeoutMs: 5_000, message: 'half-open' });
    // Half-open lets one trial call through; the queued webhook's retry may be that call, so a run
    // started at the same moment can still be refused once. Within a few tries it succeeds.
    await waitFor(async () => (await runScheduledSync(worker.stock!)).outcome === 'succeeded', {
      timeoutMs: 5_000,
      intervalMs: 100,
      message: 'a successful run after recovery',
    });
    expect(worker.stock!.breaker.state).toBe('closed');
    expect((await health()).status).toBe('ok');
    // The queued webhook goes through on a later retry.
    await waitFor(
      async () =>
        (await db.webhookEvent.findUniqueOrThrow({ where: { id: eventId } })).status === 'processed',
      {
        timeoutMs: 10_000,
        message: 'webhook processed after recovery',
      },
    );
    const row = await db.product.findUniqueOrThrow({ where: { siigoProductId: product.id } });
    expect(Number(row.stock)).toBe(changed.available_quantity);
  });
});
