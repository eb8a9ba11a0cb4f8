import type { Db } from '@cauce/db';
import { siigo, siigoBudget } from '@cauce/providers';
import type { Logger, RedisConnection, Registry } from '@cauce/runtime';
import { SiigoBreaker } from './breaker.ts';
import type { StockConfig } from './config.ts';
import { createStockMetrics, type StockMetrics } from './metrics.ts';

/** Everything the sync and webhook handlers share: one SIIGO client, one breaker, one set of metrics. */
export interface StockService {
  config: StockConfig;
  db: Db;
  redis: RedisConnection;
  log: Logger;
  client: siigo.SiigoClient;
  breaker: SiigoBreaker;
  metrics: StockMetrics;
  keys: ReturnType<typeof siigo.stockRedisKeys>;
  /** Set at shutdown: a running sync stops after its current page instead of holding the worker. */
  stopping: boolean;
  close(): Promise<void>;
}

export function createStockService(deps: {
  config: StockConfig;
  db: Db;
  redis: RedisConnection;
  log: Logger;
  registry: Registry;
}): StockService {
  const { config, log } = deps;
  let breaker: SiigoBreaker | undefined;
  const metrics = createStockMetrics(deps.registry, {
    redis: deps.redis,
    prefix: config.QUEUE_PREFIX,
    circuitState: () => breaker?.state ?? 'closed',
    log,
  });
  breaker = new SiigoBreaker({
    errorThresholdPercentage: config.SIIGO_BREAKER_ERROR_PERCENT,
    volumeThreshold: config.SIIGO_BREAKER_VOLUME,
    resetTimeoutMs: config.SIIGO_BREAKER_RESET_MS,
    rollingWindowMs: config.SIIGO_BREAKER_WINDOW_MS,
    onStateChange: (state) => {
      metrics.breakerTransitions.inc({ state });
      const msg = `SIIGO circuit breaker ${state}`;
      if (state === 'open') log.warn({ circuit: state }, msg);
      else log.info({ circuit: state }, msg);
    },
  });
  const client = new siigo.SiigoClient({
    baseUrl: config.SIIGO_BASE_URL,
    username: config.SIIGO_USERNAME ?? '',
    accessKey: config.SIIGO_ACCESS_KEY ?? '',
    partnerId: config.SIIGO_PARTNER_ID,
    redis: deps.redis,
    keyPrefix: config.QUEUE_PREFIX,
    timeoutMs: config.SIIGO_TIMEOUT_MS,
    retries: config.SIIGO_HTTP_RETRIES,
    budget: siigoBudget({
      redis: deps.redis,
      prefix: config.QUEUE_PREFIX,
      username: config.SIIGO_USERNAME ?? '',
      limit: config.SIIGO_BUDGET_MAX,
      windowMs: config.SIIGO_BUDGET_WINDOW_MS,
      registry: deps.registry,
    }),
    tokenRefreshMarginMs: config.SIIGO_TOKEN_REFRESH_MARGIN_MS,
    onCall: metrics.onCall,
    onTokenRenew: metrics.onTokenRenew,
  });
  return {
    config,
    db: deps.db,
    redis: deps.redis,
    log,
    client,
    breaker,
    metrics,
    keys: siigo.stockRedisKeys(config.QUEUE_PREFIX),
    stopping: false,
    async close() {
      breaker?.shutdown();
      await client.close();
    },
  };
}
