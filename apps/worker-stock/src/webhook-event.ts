import { type StoredWebhookEvent, settleWebhookEvents, webhookEventStore } from '@cauce/db';
import { siigo } from '@cauce/providers';
import type { WebhookEventJob } from '@cauce/queues';
import { handleWebhookEventJob, isFinalFailure, type WebhookHandled } from '@cauce/runtime';
import type { Job } from 'bullmq';
import { publishStockEvents } from './events.ts';
import { topicLabel } from './metrics.ts';
import type { StockService } from './service.ts';
import { applySnapshots } from './store.ts';

export type WebhookResult =
  | { outcome: 'processed'; stockChanged: boolean }
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'already'; status: string };

/**
 * A stored SIIGO webhook. The body is a hint: the product is re-fetched from SIIGO
 * (GET /v1/products/{id}) and compared under a row lock, so a late or replayed delivery cannot
 * write an old value. Synthetic events from POST /api/webhooks/test carry the stock to set and
 * skip the re-fetch (there is nothing at SIIGO to read); they are known by the row's `synthetic`
 * column, which only that admin route sets, never by anything in the body (a provider could
 * forge it). Unknown topics are settled as ignored.
 * The event's lifecycle is the runtime's; the stock write and the event's settle commit together.
 */
export async function handleWebhookEvent(s: StockService, job: Job<WebhookEventJob>): Promise<WebhookResult> {
  let label = 'unknown';
  try {
    const out = await handleWebhookEventJob(
      job,
      webhookEventStore(s.db),
      (event) => {
        label = topicLabel(event.eventType);
        return checkProduct(s, event);
      },
      s.config,
    );
    if (out.status === 'already') return { outcome: 'already', status: out.settledAs };
    s.metrics.webhookEvents.inc({ topic: label, outcome: out.status });
    return out.status === 'ignored'
      ? { outcome: 'ignored', reason: out.reason }
      : { outcome: 'processed', stockChanged: out.result! };
  } catch (err) {
    if (isFinalFailure(job, err, s.config)) s.metrics.webhookEvents.inc({ topic: label, outcome: 'failed' });
    throw err;
  }
}

/** Re-reads the product and writes it; the result says whether its stock changed. */
async function checkProduct(s: StockService, event: StoredWebhookEvent): Promise<WebhookHandled<boolean>> {
  const topic = event.eventType;
  const ignore = (reason: string): WebhookHandled<boolean> => {
    s.log.info({ webhookEventId: event.id.toString(), topic, reason }, 'SIIGO webhook ignored');
    return { status: 'ignored', reason };
  };
  if (!siigo.isStockTopic(topic)) return ignore(`topic ${topic} is not processed`);
  const payload = (event.payload ?? {}) as Record<string, unknown>;
  const productId = event.entityId ?? (typeof payload.id === 'string' ? payload.id : null);
  if (!productId) return ignore('no product id in the event');

  let snapshot: siigo.ProductSnapshot;
  if (event.synthetic) {
    const stored = await s.db.product.findUnique({ where: { siigoProductId: productId } });
    if (!stored) return ignore(`product ${productId} is not in products`);
    snapshot = {
      siigoProductId: stored.siigoProductId,
      code: stored.code,
      name: stored.name,
      stock: siigo.roundQuantity(Number(payload.available_quantity)),
      warehouses: siigo.parseStoredWarehouses(stored.warehouses),
      active: stored.active,
      siigoUpdatedAt: null,
    };
  } else {
    const product = await s.breaker.call(() => s.client.getProduct(productId));
    if (!product) return ignore(`product ${productId} no longer exists at SIIGO`);
    snapshot = siigo.toProductSnapshot(product);
  }
  // The event is 'processed' exactly when its stock write committed.
  const applied = await s.db.$transaction(async (tx) => {
    const written = await applySnapshots(tx, [snapshot], 'webhook', event.id);
    await settleWebhookEvents(tx, [{ id: event.id, status: 'processed' }]);
    return written;
  });
  // After the commit, so the stream never shows a change that rolled back. A failed publish costs
  // the live notification only: the change is in products and stock_changes, and the event stays
  // processed (failing the job now would retry a write that is done).
  await publishStockEvents(s.redis, s.config.QUEUE_PREFIX, applied.events, {
    retentionMs: s.config.STOCK_EVENTS_RETENTION_MS,
    maxLen: s.config.STOCK_EVENTS_MAXLEN,
  }).catch((err) =>
    s.log.warn(
      { err: (err as Error).message, webhookEventId: event.id.toString() },
      'could not publish the stock change to the live stream',
    ),
  );
  s.metrics.productsChecked.inc({ source: 'webhook' });
  if (applied.created) s.metrics.productsChanged.inc({ source: 'webhook', kind: 'created' });
  if (applied.events.length) s.metrics.productsChanged.inc({ source: 'webhook', kind: 'stock' });
  else if (applied.updated) s.metrics.productsChanged.inc({ source: 'webhook', kind: 'other' });
  return { status: 'processed', settled: true, result: applied.events.length > 0 };
}
