import type { Db, PgPool } from '@cauce/db';
import { createBatchLoader } from './batch-loader.ts';
import { PermanentError } from './errors.ts';

/**
 * Workers receive `{webhookEventId}` jobs; the payload lives in webhook_events (stored by the
 * ingress before it answered). These two helpers are the only way workers read and settle it.
 */
export async function loadWebhookEvent(db: Db, id: string | bigint) {
  const event = await db.webhookEvent.findUnique({ where: { id: BigInt(id) } });
  if (!event) throw new PermanentError(`webhook event ${id} not found`);
  return event;
}

export type WebhookOutcome = 'processed' | 'failed' | 'ignored';

export async function settleWebhookEvent(
  db: Db,
  id: string | bigint,
  status: WebhookOutcome,
  error?: string,
) {
  await db.webhookEvent.update({
    where: { id: BigInt(id) },
    data: { status, error: error ?? null, processedAt: new Date(), attempts: { increment: 1 } },
  });
}

/** The columns a worker needs of a stored event. */
export interface StoredWebhookEvent {
  id: bigint;
  status: string;
  eventType: string;
  entityId: string | null;
  receivedAt: Date;
  payload: unknown;
}

export interface WebhookSettlement {
  id: string | bigint;
  status: WebhookOutcome;
  error?: string;
}

/**
 * Set-based twins of the two helpers above, on a plain pg pool: one query for a whole batch of
 * concurrent jobs (the hot path of high-volume workers, where a Prisma call per job costs more
 * CPU than the work itself). A missing event comes back as a PermanentError in its slot.
 */
export async function loadWebhookEvents(
  pool: PgPool,
  ids: readonly (string | bigint)[],
): Promise<Array<StoredWebhookEvent | PermanentError>> {
  const { rows } = await pool.query<{
    id: string;
    status: string;
    event_type: string;
    entity_id: string | null;
    received_at: Date;
    payload: unknown;
  }>({
    name: 'webhook-events-load',
    text: `SELECT id::text, status, event_type, entity_id, received_at, payload
           FROM webhook_events WHERE id = ANY($1::bigint[])`,
    values: [ids.map(String)],
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => {
    const r = byId.get(String(id));
    if (!r) return new PermanentError(`webhook event ${id} not found`);
    return {
      id: BigInt(r.id),
      status: r.status,
      eventType: r.event_type,
      entityId: r.entity_id,
      receivedAt: r.received_at,
      payload: r.payload,
    };
  });
}

/** What settling does to a webhook_events row `w` besides its status and error. */
const SETTLED = 'processed_at = now(), attempts = w.attempts + 1';

/**
 * SQL that settles the events whose ids are in the bigint[] parameter `ids` (e.g. `$2`) as
 * processed, for a data-modifying CTE: a statement that writes a job's result can settle its
 * event in the same round trip and the same transaction.
 */
export const settleProcessedSql = (ids: string) =>
  `UPDATE webhook_events w SET status = 'processed', error = NULL, ${SETTLED}
   WHERE w.id = ANY(${ids}::bigint[])`;

export async function settleWebhookEvents(pool: PgPool, items: readonly WebhookSettlement[]): Promise<void> {
  await pool.query({
    name: 'webhook-events-settle',
    text: `UPDATE webhook_events w SET status = t.status, error = t.error, ${SETTLED}
           FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(id, status, error)
           WHERE w.id = t.id`,
    values: [items.map((i) => String(i.id)), items.map((i) => i.status), items.map((i) => i.error ?? null)],
  });
}

/**
 * Per-job `load(id)` and `settle(…)` calls that are gathered into one query per turn of the event
 * loop (DataLoader, no caching: a retry must read the row again).
 */
export function createWebhookEventBatch(pool: PgPool, maxBatchSize: number) {
  return {
    load: createBatchLoader<string | bigint, StoredWebhookEvent>(
      (ids) => loadWebhookEvents(pool, ids),
      maxBatchSize,
    ),
    settle: createBatchLoader<WebhookSettlement, void>(async (items) => {
      await settleWebhookEvents(pool, items);
      return items.map(() => undefined);
    }, maxBatchSize),
  };
}
export type WebhookEventBatch = ReturnType<typeof createWebhookEventBatch>;
