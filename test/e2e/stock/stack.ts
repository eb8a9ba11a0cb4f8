import { createDb } from '@cauce/db';
import { setupTestEnv } from '@cauce/testkit';
import { startStockWorker } from '@cauce/worker-stock/app';
import { runScheduledSync } from '@cauce/worker-stock/sync';
import { siigoSimEnv, startSim, stockConfig } from '@cauce/worker-stock/testing';
import { afterAll, expect } from 'vitest';
import { startIngress } from '../ingress.ts';

/**
 * The live stock path of a test file: SIIGO (provider-sim) seeded with `products` products,
 * worker-stock after its first sync, and the real ingress on a loopback port whose SIIGO webhook
 * route takes `webhookToken`. Closed after the file's own afterAll hooks (vitest runs them in
 * reverse order), ingress first, then the worker, then the sim.
 */
export async function startLiveStock(opts: { products: number; webhookToken: string }) {
  const env = await setupTestEnv();
  const db = createDb(env.databaseUrl);
  const sim = await startSim();
  await sim.seed(opts.products);
  const products = await sim.products();
  const worker = await startStockWorker(stockConfig(env, sim));
  expect((await runScheduledSync(worker.stock!)).outcome).toBe('succeeded');
  const ingress = await startIngress(env, (base) => ({
    ...siigoSimEnv(sim),
    WEBHOOK_BASE_URL: base,
    SIIGO_WEBHOOK_TOKEN: opts.webhookToken,
  }));
  afterAll(async () => {
    await ingress.close();
    await worker.close();
    await sim.close();
    await db.$disconnect();
  });
  return {
    env,
    db,
    sim,
    products,
    worker,
    /** The in-process ingress app, its dependencies, base URL, admin API caller and token. */
    ingress: ingress.app,
    deps: ingress.deps,
    base: ingress.base,
    api: ingress.api,
    adminToken: ingress.token,
    webhookUrl: `${ingress.base}/api/webhooks/siigo/${opts.webhookToken}`,
  };
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** A text/event-stream reader over fetch, as a browser's EventSource parses it. */
export async function openEventStream(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`event stream answered ${res.status}`);
  const events: SseEvent[] = [];
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value;
        for (let cut = buf.indexOf('\n\n'); cut >= 0; cut = buf.indexOf('\n\n')) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const ev: SseEvent = { data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const i = line.indexOf(':');
            const field = i < 0 ? line : line.slice(0, i);
            const val = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
            if (field === 'id') ev.id = val;
            else if (field === 'event') ev.event = val;
            else if (field === 'data') data.push(val);
          }
          if (data.length) {
            ev.data = data.join('\n');
            events.push(ev);
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    res,
    events,
    /** Data events (the default "message" type), parsed. */
    messages: () => events.filter((e) => !e.event).map((e) => ({ id: e.id!, ...JSON.parse(e.data) })),
    async close() {
      abort.abort();
      await pump;
    },
  };
}
