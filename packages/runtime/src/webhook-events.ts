import type { Db } from '@cauce/db';
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
