import { createBatchLoader, PermanentError } from '@cauce/base';
import type { Db } from './client.ts';
import type { PgPool } from './pg-pool.ts';

/**
 * Workers receive `{webhookEventId}` jobs; the payload lives in webhook_events (stored by the
 * ingress before it answered). These statements are the only way workers read and settle it;
 * `handleWebhookEventJob` (webhook-lifecycle.ts) is the only way workers call them.
 */

export type WebhookOutcome = 'processed' | 'failed' | 'ignored';

/** The columns a worker needs of a stored event. */
export interface StoredWebhookEvent {
  id: bigint;
  status: string;
  eventType: string;
  entityId: string | null;
  receivedAt: Date;
  payload: unknown;
  /** Set only by the ingress's admin test route (POST /api/webhooks/test), never from a body. */
  synthetic: boolean;
}

export interface WebhookSettlement {
  id: string | bigint;
  status: WebhookOutcome;
  error?: string;
}

/**
 * Where the statements run: a plain pg pool (the hot path of high-volume workers, where a Prisma
 * call per job costs more CPU than the work itself), or a Prisma client or interactive transaction
 * (so a worker can settle its event in the same transaction as its own write). Same SQL either way.
 */
export type SqlRunner = PgPool | Pick<Db, '$queryRawUnsafe'>;

async function run<T>(on: SqlRunner, q: { name: string; text: string; values: unknown[] }): Promise<T[]> {
  if ('$queryRawUnsafe' in on) return on.$queryRawUnsafe<T[]>(q.text, ...q.values);
  return (await on.query<T & Record<string, unknown>>(q)).rows;
}

/** Loads a batch of events in one query. A missing event comes back as a PermanentError in its slot. */
export async function loadWebhookEvents(
  on: SqlRunner,
  ids: readonly (string | bigint)[],
): Promise<Array<StoredWebhookEvent | PermanentError>> {
  const rows = await run<{
    id: string;
    status: string;
    event_type: string;
    entity_id: string | null;
    received_at: Date;
    payload: unknown;
    synthetic: boolean;
  }>(on, {
    name: 'webhook-events-load',
    text: `SELECT id::text, status, event_type, entity_id, received_at, payload, synthetic
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
      synthetic: r.synthetic,
    };
  });
}

/** One event (see loadWebhookEvents); a missing event throws a PermanentError. */
export async function loadWebhookEvent(on: SqlRunner, id: string | bigint): Promise<StoredWebhookEvent> {
  const [event] = await loadWebhookEvents(on, [id]);
  if (event instanceof PermanentError) throw event;
  return event!;
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

/** Settles a batch of events in one statement. */
export async function settleWebhookEvents(on: SqlRunner, items: readonly WebhookSettlement[]): Promise<void> {
  if (!items.length) return;
  await run(on, {
    name: 'webhook-events-settle',
    text: `UPDATE webhook_events w SET status = t.status, error = t.error, ${SETTLED}
           FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(id, status, error)
           WHERE w.id = t.id`,
    values: [items.map((i) => String(i.id)), items.map((i) => i.status), items.map((i) => i.error ?? null)],
  });
}

/**
 * Settles an event `failed` unless a worker already settled it: for jobs that end without our
 * processor running (BullMQ fails a job that stalled too often), so the row still reaches a final
 * state an operator sees, and a write that did commit is never overwritten.
 */
export async function failUnsettledWebhookEvent(
  on: SqlRunner,
  id: string | bigint,
  error: string,
): Promise<void> {
  await run(on, {
    name: 'webhook-events-fail-unsettled',
    text: `UPDATE webhook_events w SET status = 'failed', error = $2, ${SETTLED}
           WHERE w.id = $1::bigint AND w.status NOT IN ('processed', 'ignored', 'failed')`,
    values: [String(id), error],
  });
}

/** How a worker reads and settles its events (see handleWebhookEventJob). */
export interface WebhookEventStore {
  load(id: string | bigint): Promise<StoredWebhookEvent>;
  settle(settlement: WebhookSettlement): Promise<void>;
}

/** One query per call: for workers whose jobs are few or slow. */
export function webhookEventStore(on: SqlRunner): WebhookEventStore {
  return {
    load: (id) => loadWebhookEvent(on, id),
    settle: (s) => settleWebhookEvents(on, [s]),
  };
}

/**
 * Per-job `load(id)` and `settle(…)` calls that are gathered into one query per turn of the event
 * loop (DataLoader, no caching: a retry must read the row again): for high-volume workers.
 */
export function createWebhookEventBatch(pool: PgPool, maxBatchSize: number): WebhookEventStore {
  const load = createBatchLoader<string | bigint, StoredWebhookEvent>(
    (ids) => loadWebhookEvents(pool, ids),
    maxBatchSize,
  );
  const settle = createBatchLoader<WebhookSettlement, void>(async (items) => {
    await settleWebhookEvents(pool, items);
    return items.map(() => undefined);
  }, maxBatchSize);
  return { load: (id) => load.load(id), settle: (s) => settle.load(s) };
}
