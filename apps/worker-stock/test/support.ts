import type { Db, Prisma } from '@cauce/db';
import { SIIGO_SIM_CREDENTIALS } from '@cauce/provider-sim/providers/siigo';
import { listenSim } from '@cauce/provider-sim/testing';
import { JOBS, type Producer, QUEUES, toJobId } from '@cauce/queues';
import { parseConfig } from '@cauce/runtime';
import { setupWorkerTest, type TestEnv, workerTestEnv } from '@cauce/testkit';
import { type StockConfig, stockEnv } from '../src/config.ts';

/** provider-sim on a free loopback port, with helpers for its SIIGO control routes. */
export async function startSim() {
  const sim = await listenSim();
  const { base, call } = sim;
  return {
    ...sim,
    siigoUrl: `${base}/siigo`,
    seed: (count: number) => call('POST', '/__sim/siigo/products', { count }),
    products: async () => (await call('GET', '/__sim/siigo/products')).products as SimProduct[],
    setStock: (id: string, quantity: number, warehouseId?: number) =>
      call('POST', `/__sim/siigo/products/${id}/stock`, { quantity, warehouseId }),
    rename: (id: string, name: string) => call('POST', `/__sim/siigo/products/${id}`, { name }),
    patch: (id: string, patch: Record<string, unknown>) =>
      call('POST', `/__sim/siigo/products/${id}`, { patch }),
    expireTokens: (afterRequests?: number) => call('POST', '/__sim/siigo/tokens/expire', { afterRequests }),
    state: () => call('GET', '/__sim/siigo/state'),
    emit: (url: string, productId: string, topic?: string) =>
      call('POST', '/__sim/siigo/webhooks/emit', { url, productId, topic }),
  };
}
export type Sim = Awaited<ReturnType<typeof startSim>>;

export interface SimProduct {
  id: string;
  name: string;
  available_quantity: number;
  warehouses: Array<{ id: number; name: string; quantity: number }>;
}

/** The variables that point the SIIGO client at the sim. */
export const siigoSimEnv = (sim: Sim) => ({
  SIIGO_BASE_URL: sim.siigoUrl,
  SIIGO_USERNAME: SIIGO_SIM_CREDENTIALS.username,
  SIIGO_ACCESS_KEY: SIIGO_SIM_CREDENTIALS.accessKey,
  SIIGO_PARTNER_ID: 'CauceTest',
});

/** worker-stock's environment against the sim: no pacing, no HTTP retries, no schedule, fast backoff. */
export function stockEnvFor(
  env: TestEnv,
  sim: Sim,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return workerTestEnv(env, {
    ...siigoSimEnv(sim),
    SIIGO_BUDGET_MAX: '100000',
    SIIGO_HTTP_RETRIES: '0',
    SIIGO_SYNC_SCHEDULE: 'false',
    ...overrides,
  });
}

export function stockConfig(env: TestEnv, sim: Sim, overrides: Record<string, string> = {}): StockConfig {
  return parseConfig(stockEnv, stockEnvFor(env, sim, overrides));
}

/** This file's database, Redis, producer and provider-sim, closed after the file's tests. */
export const setupStockTest = () => setupWorkerTest(startSim);

/**
 * Delivers a SIIGO webhook the way the ingress contract does (row in webhook_events, then a
 * 'webhook-event' job on siigo-stock with jobId = the dedupe key).
 */
export async function storeAndEnqueue(
  db: Db,
  producer: Producer,
  topic: string,
  payload: Record<string, unknown> & { id: string },
) {
  const dedupeKey = `siigo:${topic}:${payload.id}:${Date.now()}:${Math.random()}`;
  const event = await db.webhookEvent.create({
    data: {
      provider: 'siigo',
      eventType: topic,
      dedupeKey,
      entityId: payload.id,
      payload: payload as Prisma.InputJsonObject,
      queue: QUEUES.siigoStock,
      jobId: toJobId(dedupeKey),
      // Queued before the add: a mark written after it could overwrite the worker's settle.
      status: 'queued',
      enqueuedAt: new Date(),
    },
  });
  await producer.add(
    QUEUES.siigoStock,
    JOBS.webhookEvent,
    { webhookEventId: event.id.toString(), provider: 'siigo', eventType: topic, entityId: payload.id },
    { dedupeKey },
  );
  return event.id;
}
