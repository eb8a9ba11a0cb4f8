import { Counter, Histogram, type Registry, registered } from '@cauce/runtime';

export type WebhookOutcome = 'accepted' | 'duplicate' | 'rejected' | 'unauthorized';

/** Event label values are provider strings: keep them short and printable (bounded cardinality). */
export const eventLabel = (e: string | null | undefined) =>
  (e ?? 'unknown').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'unknown';

export function createWebhookMetrics(registry: Registry) {
  return {
    received: registered(
      registry,
      'webhooks_received_total',
      () =>
        new Counter({
          name: 'webhooks_received_total',
          help: 'Webhooks received, by provider, event type and outcome (accepted|duplicate|rejected|unauthorized)',
          labelNames: ['provider', 'event', 'outcome'],
          registers: [registry],
        }),
    ),
    beds24: registered(
      registry,
      'beds24_webhooks_received_total',
      () =>
        new Counter({
          name: 'beds24_webhooks_received_total',
          help: 'Beds24 booking webhooks accepted, by action (CREATED|MODIFY|CANCEL)',
          labelNames: ['action'],
          registers: [registry],
        }),
    ),
    unavailable: registered(
      registry,
      'webhooks_unavailable_total',
      () =>
        new Counter({
          name: 'webhooks_unavailable_total',
          help: 'Webhooks refused because PostgreSQL was unavailable (the provider retries)',
          labelNames: ['provider'],
          registers: [registry],
        }),
    ),
    batchSize: registered(
      registry,
      'webhook_group_commit_rows',
      () =>
        new Histogram({
          name: 'webhook_group_commit_rows',
          help: 'Rows per group-commit INSERT',
          buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
          registers: [registry],
        }),
    ),
    enqueueFailed: registered(
      registry,
      'webhook_enqueue_failures_total',
      () =>
        new Counter({
          name: 'webhook_enqueue_failures_total',
          help: 'Stored webhooks whose enqueue failed or timed out (the redrive enqueues them)',
          registers: [registry],
        }),
    ),
    redriven: registered(
      registry,
      'webhook_redrive_enqueued_total',
      () =>
        new Counter({
          name: 'webhook_redrive_enqueued_total',
          help: 'Stored-but-unqueued webhooks enqueued by the redrive loop',
          registers: [registry],
        }),
    ),
  };
}
export type WebhookMetrics = ReturnType<typeof createWebhookMetrics>;
