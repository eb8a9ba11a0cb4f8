import type { PgPool } from '@cauce/db';
import type { IngressDeps } from '../context.ts';
import { beds24SeenLoader } from './beds24-seen.ts';
import { BatchEnqueuer } from './enqueue.ts';
import { createWebhookMetrics, type WebhookMetrics } from './metrics.ts';
import { startRedrive } from './redrive.ts';
import { type EventRow, GroupCommit, type Stored } from './store.ts';

export type Accepted = Stored & { queued: boolean };

/**
 * The one path every inbound event takes after its checks: durable insert (group commit), then
 * enqueue (batched, bounded wait), with the redrive loop behind it. Webhook routes and the
 * synthetic SIIGO test event both go through `accept`.
 */
export class WebhookIntake {
  readonly metrics: WebhookMetrics;
  private readonly pool: PgPool;
  private readonly store: GroupCommit;
  private readonly enqueuer: BatchEnqueuer;
  readonly redrive: ReturnType<typeof startRedrive>;
  private readonly seen: (bookingId: string) => Promise<boolean>;

  constructor({ config, log, producer, redis, registry, pool }: IngressDeps) {
    this.metrics = createWebhookMetrics(registry);
    // The process's one pool (its owner ends it); WEBHOOK_DB_TIMEOUT_MS bounds each commit's wait.
    this.pool = pool;
    this.store = new GroupCommit(this.pool, {
      maxBatch: config.WEBHOOK_BATCH_MAX,
      concurrency: config.WEBHOOK_BATCH_CONCURRENCY,
      timeoutMs: config.WEBHOOK_DB_TIMEOUT_MS,
      onBatch: (n) => this.metrics.batchSize.observe(n),
    });
    this.seen = beds24SeenLoader(this.pool, config.WEBHOOK_BATCH_MAX);
    this.enqueuer = new BatchEnqueuer(producer, log, config.WEBHOOK_ENQUEUE_TIMEOUT_MS);
    this.redrive = startRedrive({
      pool: this.pool,
      redis,
      producer,
      prefix: config.QUEUE_PREFIX,
      intervalMs: config.WEBHOOK_REDRIVE_INTERVAL_MS,
      graceMs: config.WEBHOOK_REDRIVE_GRACE_MS,
      log,
      onRedriven: (n) => this.metrics.redriven.inc(n),
    });
  }

  /** See beds24BookingsSeen (batched); throws when PostgreSQL cannot answer (the caller asks for a retry). */
  beds24BookingSeen(bookingId: string): Promise<boolean> {
    return this.seen(bookingId);
  }

  /** Stores a rejected event for operators (no queue). Never throws: the caller answers 400 anyway. */
  async reject(row: EventRow): Promise<void> {
    await this.store.insert({ ...row, status: 'rejected', queue: null, jobId: null }).catch(() => {});
  }

  /**
   * Resolves after the row is committed (throws when it could not be: the caller must not
   * acknowledge). A new row is then enqueued; `queued: false` means the redrive will do it.
   */
  async accept(row: EventRow): Promise<Accepted> {
    const stored = await this.store.insert(row);
    if (stored.duplicate || !row.queue || !row.jobId) return { ...stored, queued: false };
    const queued = await this.enqueuer.enqueue({
      id: stored.id,
      provider: row.provider,
      eventType: row.eventType,
      entityId: row.entityId,
      queue: row.queue,
      jobId: row.jobId,
    });
    if (!queued) this.metrics.enqueueFailed.inc();
    return { ...stored, queued };
  }

  async close(): Promise<void> {
    await this.redrive.stop();
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    webhookIntake: WebhookIntake;
  }
}
