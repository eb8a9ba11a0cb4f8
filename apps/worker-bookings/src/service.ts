import type { Db } from '@cauce/db';
import { beds24 } from '@cauce/providers';
import type { Logger, Registry } from '@cauce/runtime';
import type { Redis } from 'ioredis';
import { FetchCollapser } from './collapse.ts';
import type { BookingsConfig } from './config.ts';
import { type BookingsMetrics, createBookingsMetrics, SYNC_LABEL } from './metrics.ts';

/** What the webhook handler, the backfill and the CLI share: one client, one set of metrics. */
export interface BookingsService {
  config: BookingsConfig;
  db: Db;
  redis: Redis;
  log: Logger;
  client: beds24.Beds24Client;
  metrics: BookingsMetrics;
  collapser: FetchCollapser;
  mapOptions: beds24.MapOptions;
  markSuccess(): void;
  close(): Promise<void>;
}

export function createBookingsService(deps: {
  config: BookingsConfig;
  db: Db;
  redis: Redis;
  log: Logger;
  registry: Registry;
}): BookingsService {
  const { config, log } = deps;
  const metrics = createBookingsMetrics(deps.registry, log);
  const client = new beds24.Beds24Client({
    baseUrl: config.BEDS24_BASE_URL,
    token: config.BEDS24_TOKEN,
    refreshToken: config.BEDS24_WRITE_REFRESH_TOKEN,
    redis: deps.redis,
    keyPrefix: config.QUEUE_PREFIX,
    timeoutMs: config.BEDS24_TIMEOUT_MS,
    retries: config.BEDS24_HTTP_RETRIES,
    maxWaitMs: config.BEDS24_MAX_WAIT_MS,
    creditFloor: config.BEDS24_CREDIT_FLOOR,
    tokenRefreshMarginMs: config.BEDS24_TOKEN_REFRESH_MARGIN_MS,
    onCall: metrics.onCall,
    onCredits: ({ remaining }) => {
      if (remaining !== null) metrics.credits.set(remaining);
    },
    onTokenRenew: metrics.onTokenRenew,
  });
  return {
    config,
    db: deps.db,
    redis: deps.redis,
    log,
    client,
    metrics,
    collapser: new FetchCollapser(deps.redis, config.QUEUE_PREFIX, config.BEDS24_COLLAPSE_MARGIN_MS),
    mapOptions: {
      defaultCountry: config.BEDS24_DEFAULT_COUNTRY,
      propertyNames: config.BEDS24_PROPERTY_NAMES,
    },
    markSuccess: () => metrics.lastSuccess.set({ sync: SYNC_LABEL }, Date.now() / 1000),
    close: () => client.close(),
  };
}
