import { createHash, hash } from 'node:crypto';

/**
 * The dedupe key of an event: the provider's event id where it has one, else a stable hash of
 * provider + entity id + provider timestamp + body (`dedupeBody` when the provider's body carries
 * delivery bookkeeping, e.g. Beds24's `retries`), so a redelivery collapses while a new change to
 * the same entity does not.
 */
export function dedupeKey(
  provider: string,
  e: {
    providerEventId?: string | null;
    entityId?: string | null;
    providerTimestamp?: string | null;
    dedupeBody?: string;
  },
  raw: Buffer,
): string {
  if (e.providerEventId) return `${provider}:${e.providerEventId}`;
  const head = `${provider}\0${e.entityId ?? ''}\0${e.providerTimestamp ?? ''}\0`;
  // One call where the body is text (the same bytes as UTF-8); the raw body is hashed as sent.
  const h =
    e.dedupeBody !== undefined
      ? hash('sha256', head + e.dedupeBody)
      : createHash('sha256').update(head).update(raw).digest('hex');
  return `${provider}:h:${h}`;
}
