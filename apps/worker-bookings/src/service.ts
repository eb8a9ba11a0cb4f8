import { createWebhookEventBatch, type Db, type PgPool, type WebhookEventStore } from '@cauce/db';
import { beds24, beds24CreditBudget } from '@cauce/providers';
import {
  accountLabel,
  createBatchLoader,
  duplicateRedis,
  type Logger,
  type ProviderBudget,
  type RedisConnection,
  type Registry,
} from '@cauce/runtime';
import type DataLoader from 'dataloader';
import { FetchCollapser } from './collapse.ts';
import type { BookingsConfig } from './config.ts';
import { type BookingsMetrics, createBookingsMetrics, SYNC_LABEL } from './metrics.ts';
import { type BookingWrite, type UpsertOutcome, upsertBookings } from './store.ts';

/** What the webhook handler, the backfill and the CLI share: one client, one set of metrics. */
export interface BookingsService {
  config: BookingsConfig;
  db: Db;
  /** Plain pg for the per-job hot path (set-based statements; Prisma stays for the rest). */
  pool: PgPool;
  redis: RedisConnection;
  log: Logger;
  client: beds24.Beds24Client;
  /** The account's credit budget, shared with every replica (Redis). */
  budget: ProviderBudget;
  /** Per-job calls that concurrent jobs share: one query, request or statement per batch. */
  batch: {
    events: WebhookEventStore;
    /** null when Beds24 does not know the booking. */
    fetch: DataLoader<string, beds24.FetchedBooking | null>;
    upsert: DataLoader<BookingWrite, UpsertOutcome>;
  };
  metrics: BookingsMetrics;
  collapser: FetchCollapser;
  mapOptions: beds24.MapOptions;
  markSuccess(): void;
  close(): Promise<void>;
}

export function createBookingsService(deps: {
  config: BookingsConfig;
  db: Db;
  /** The process's pool (the one Prisma uses): its owner ends it. */
  pool: PgPool;
  redis: RedisConnection;
  log: Logger;
  registry: Registry;
}): BookingsService {
  const { config, log } = deps;
  const metrics = createBookingsMetrics(deps.registry, log);
  const { pool } = deps;
  // Collapse checks and records are one small command per job: let ioredis pipeline them.
  const collapseRedis = duplicateRedis(deps.redis, {
    enableAutoPipelining: true,
    connectionName: 'cauce-beds24-collapse',
  });
  // A duplicate has no listeners: without one a Redis outage would surface as unhandled errors.
  collapseRedis.on('error', (err) => log.debug({ err: err.message }, 'collapse Redis connection error'));
  const credential = config.BEDS24_WRITE_REFRESH_TOKEN ?? config.BEDS24_TOKEN ?? '';
  const budget = beds24CreditBudget({
    redis: deps.redis,
    prefix: config.QUEUE_PREFIX,
    // One account per deployment; its credential's hash names it without revealing it.
    account: accountLabel(credential),
    limit: config.BEDS24_CREDIT_BUDGET,
    windowMs: config.BEDS24_CREDIT_WINDOW_MS,
    estimatedCost: config.BEDS24_CREDITS_PER_CALL,
    floor: config.BEDS24_CREDIT_FLOOR,
    maxWaitMs: config.BEDS24_MAX_WAIT_MS,
    registry: deps.registry,
  });
  const client = new beds24.Beds24Client({
    baseUrl: config.BEDS24_BASE_URL,
    token: config.BEDS24_TOKEN,
    refreshToken: config.BEDS24_WRITE_REFRESH_TOKEN,
    redis: deps.redis,
    keyPrefix: config.QUEUE_PREFIX,
    timeoutMs: config.BEDS24_TIMEOUT_MS,
    retries: config.BEDS24_HTTP_RETRIES,
    maxWaitMs: config.BEDS24_MAX_WAIT_MS,
    budget,
    tokenRefreshMarginMs: config.BEDS24_TOKEN_REFRESH_MARGIN_MS,
    onCall: metrics.onCall,
    onCredits: ({ remaining }) => {
      if (remaining !== null) metrics.credits.set(remaining);
    },
    onTokenRenew: metrics.onTokenRenew,
  });
  const maxBatch = config.BEDS24_FETCH_BATCH_MAX;
  return {
    config,
    db: deps.db,
    pool,
    redis: deps.redis,
    log,
    client,
    budget,
    metrics,
    batch: {
      events: createWebhookEventBatch(pool, maxBatch),
      fetch: createBatchLoader(
        async (ids) => {
          metrics.fetchBatch.observe(ids.length);
          const found = await client.getBookings(ids, { withMessages: config.BEDS24_FETCH_MESSAGES });
          return ids.map((id) => found.get(id) ?? null);
          // A fetch is one GET /bookings (plus one for messages): wait for room for both.
        },
        maxBatch,
        () => budget.whenAvailable(config.BEDS24_CREDITS_PER_CALL * (config.BEDS24_FETCH_MESSAGES ? 2 : 1)),
      ),
      upsert: createBatchLoader((writes) => upsertBookings(pool, writes), maxBatch),
    },
    collapser: new FetchCollapser(collapseRedis, config.QUEUE_PREFIX, config.BEDS24_COLLAPSE_MARGIN_MS),
    mapOptions: {
      defaultCountry: config.BEDS24_DEFAULT_COUNTRY,
      propertyNames: config.BEDS24_PROPERTY_NAMES,
    },
    markSuccess: () => metrics.lastSuccess.set({ sync: SYNC_LABEL }, Date.now() / 1000),
    async close() {
      await client.close();
      collapseRedis.disconnect();
    },
  };
}
