import { createHash } from 'node:crypto';

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
  const h = createHash('sha256')
    .update(provider)
    .update('\0')
    .update(e.entityId ?? '')
    .update('\0')
    .update(e.providerTimestamp ?? '')
    .update('\0')
    .update(e.dedupeBody ?? raw)
    .digest('hex');
  return `${provider}:h:${h}`;
}
