import { createHash } from 'node:crypto';

/**
 * The dedupe key of an event: the provider's event id where it has one, else a stable hash of
 * provider + entity id + provider timestamp + body, so a redelivery of the same bytes collapses
 * while a new change to the same entity does not.
 */
export function dedupeKey(
  provider: string,
  e: { providerEventId?: string | null; entityId?: string | null; providerTimestamp?: string | null },
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
    .update(raw)
    .digest('hex');
  return `${provider}:h:${h}`;
}
