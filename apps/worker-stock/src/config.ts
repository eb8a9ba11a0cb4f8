import { siigo } from '@cauce/providers';
import { bool, workerEnv } from '@cauce/runtime';
import { z } from 'zod';

const ms = (dflt: number) => z.coerce.number().int().min(0).default(dflt);

/** Every variable worker-stock reads (docs/stock.md lists them with their meaning). */
export const stockEnv = workerEnv.extend({
  /** The source document's switch; SIIGO also stays off while credentials are missing. */
  SIIGO_ENABLED: bool.default(true),
  ...siigo.accountEnv,
  /** Scheduled sync period. */
  SIIGO_SYNC_INTERVAL_MS: ms(5 * 60_000),
  /** Turn the job scheduler off (runs only on demand). */
  SIIGO_SYNC_SCHEDULE: bool.default(true),
  SIIGO_PAGE_SIZE: z.coerce.number().int().min(1).max(100).default(50),
  /**
   * Product pages a sync requests at once (pages are numbered, so they need not wait for each
   * other); the budget keeps them within SIIGO's limit. Pages are still written in order.
   */
  SIIGO_SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(20).default(4),
  SIIGO_TIMEOUT_MS: ms(30_000),
  SIIGO_HTTP_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /** Webhook re-fetches per minute across every replica (BullMQ limiter; SIIGO allows 100/min in all). */
  SIIGO_WEBHOOK_MAX_PER_MIN: z.coerce.number().int().min(1).default(60),
  SIIGO_TOKEN_REFRESH_MARGIN_MS: ms(5 * 60_000),
  /** How long an unrenewed sync lock lives if its holder dies (renewed while the run is alive). */
  SIIGO_SYNC_LOCK_TTL_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Circuit breaker: open at this failure percentage once the volume threshold is reached. */
  SIIGO_BREAKER_ERROR_PERCENT: z.coerce.number().min(1).max(100).default(50),
  SIIGO_BREAKER_VOLUME: z.coerce.number().int().min(1).default(5),
  /** Cool-down while open before one trial call (half-open). */
  SIIGO_BREAKER_RESET_MS: z.coerce.number().int().min(100).default(30_000),
  SIIGO_BREAKER_WINDOW_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Live stock events kept in the Redis stream for Last-Event-ID replay. */
  STOCK_EVENTS_RETENTION_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(30 * 60_000),
  STOCK_EVENTS_MAXLEN: z.coerce.number().int().min(100).default(100_000),
});
export type StockConfig = z.infer<typeof stockEnv>;

/** Why SIIGO is off, or null when it is on. */
export function siigoDisabledReason(c: StockConfig): string | null {
  if (!c.SIIGO_ENABLED) return 'SIIGO disabled: SIIGO_ENABLED=false';
  const missing = [
    ['SIIGO_USERNAME', c.SIIGO_USERNAME],
    ['SIIGO_ACCESS_KEY', c.SIIGO_ACCESS_KEY],
  ]
    .filter(([, v]) => !v)
    .map(([k]) => k);
  return missing.length ? `SIIGO disabled: missing ${missing.join(', ')}` : null;
}
