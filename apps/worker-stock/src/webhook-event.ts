import { siigo } from '@cauce/providers';
import type { WebhookEventJob } from '@cauce/queues';
import { isFinalFailure, loadWebhookEvent, settleWebhookEvent } from '@cauce/runtime';
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
 * skip the re-fetch (there is nothing at SIIGO to read). Unknown topics are settled as ignored.
 */
export async function handleWebhookEvent(s: StockService, job: Job<WebhookEventJob>): Promise<WebhookResult> {
  const event = await loadWebhookEvent(s.db, job.data.webhookEventId);
  if (event.status === 'processed' || event.status === 'ignored')
    return { outcome: 'already', status: event.status };
  const topic = event.eventType;
  const label = topicLabel(topic);
  const ignore = async (reason: string): Promise<WebhookResult> => {
    await settleWebhookEvent(s.db, event.id, 'ignored', reason);
    s.metrics.webhookEvents.inc({ topic: label, outcome: 'ignored' });
    s.log.info({ webhookEventId: event.id.toString(), topic, reason }, 'SIIGO webhook ignored');
    return { outcome: 'ignored', reason };
  };
  if (!siigo.isStockTopic(topic)) return ignore(`topic ${topic} is not processed`);
  const payload = (event.payload ?? {}) as Record<string, unknown>;
  const productId = event.entityId ?? (typeof payload.id === 'string' ? payload.id : null);
  if (!productId) return ignore('no product id in the event');

  try {
    let snapshot: siigo.ProductSnapshot;
    if (payload.synthetic === true) {
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
    const applied = await applySnapshots(s.db, [snapshot], 'webhook', event.id);
    await publishStockEvents(s.redis, s.config.QUEUE_PREFIX, applied.events, {
      retentionMs: s.config.STOCK_EVENTS_RETENTION_MS,
      maxLen: s.config.STOCK_EVENTS_MAXLEN,
    });
    await settleWebhookEvent(s.db, event.id, 'processed');
    s.metrics.productsChecked.inc({ source: 'webhook' });
    if (applied.created) s.metrics.productsChanged.inc({ source: 'webhook', kind: 'created' });
    if (applied.events.length) s.metrics.productsChanged.inc({ source: 'webhook', kind: 'stock' });
    else if (applied.updated) s.metrics.productsChanged.inc({ source: 'webhook', kind: 'other' });
    s.metrics.webhookEvents.inc({ topic: label, outcome: 'processed' });
    return { outcome: 'processed', stockChanged: applied.events.length > 0 };
  } catch (err) {
    const final = isFinalFailure(job, err, s.config);
    if (final) {
      await settleWebhookEvent(s.db, event.id, 'failed', (err as Error).message);
      s.metrics.webhookEvents.inc({ topic: label, outcome: 'failed' });
    }
    throw err;
  }
}
