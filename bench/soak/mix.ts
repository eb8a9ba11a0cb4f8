/**
 * The soak's traffic mix, shared by bench:soak and bench:footprint: the apps' settings for it,
 * provider-sim's faults, the seeded traffic generator and the steady sender.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { simEnv } from '@cauce/provider-sim/sim-env';
import { createSenderAuth, extraSenders, type SenderAuth } from '@cauce/provider-sim/traffic/senders';
import { Traffic } from '@cauce/provider-sim/traffic/traffic';
import { REPO_ROOT } from '../../packages/testkit/src/process.ts';

/** Every provider API route (not the sim's control routes): 5% errors, 0-80 ms random latency. */
export const SOAK_SIM_FAULTS = JSON.stringify([
  { route: '^\\S+ /(?!__sim)', errorRate: 0.05, errorStatus: 503, latencyJitterMs: 80 },
]);

/** What every app of a soak stack reads: its services, provider-sim, the senders' secrets, fast schedules. */
export function soakEnv(opts: {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  simBase: string;
  auth: SenderAuth;
  logLevel?: string;
}): Record<string, string> {
  return {
    DATABASE_URL: opts.databaseUrl,
    REDIS_URL: opts.redisUrl,
    QUEUE_PREFIX: opts.prefix,
    LOG_LEVEL: opts.logLevel ?? 'warn',
    JWT_SECRET: randomBytes(32).toString('hex'),
    ...simEnv(opts.simBase),
    ...opts.auth.env,
    // Crashed workers' jobs come back within seconds instead of 30 s.
    JOB_LOCK_MS: '5000',
    STALLED_INTERVAL_MS: '5000',
    // Retries on the documented schedules, 20x faster, so a 10-minute soak sees them end.
    BACKOFF_TIME_SCALE: '0.05',
    // Beds24's credit budget is not what this measures.
    BEDS24_CREDIT_BUDGET: '1000000',
    BEDS24_CREDIT_FLOOR: '0',
    // Likewise SIIGO's 100 requests/min: the soak sends ~300 SIIGO webhooks a minute.
    SIIGO_WEBHOOK_MAX_PER_MIN: '100000',
    SIIGO_SYNC_INTERVAL_MS: '120000',
    SIIGO_BUDGET_MAX: '100000',
    ORDERS_SWEEP_INTERVAL_MS: '20000',
    ORDERS_SWEEP_AFTER_MS: '15000',
    // worker-whatsapp's input is a file: the demo's sample, synced every 30 s.
    WHATSAPP_CONNECTIONS_FILE: join(REPO_ROOT, 'packages/provider-sim/fixtures/whatsapp-connections.json'),
    WHATSAPP_SYNC_INTERVAL_MS: '30000',
  };
}

export { createSenderAuth };

/** The mixed traffic generator over provider-sim's seeded bookings and products. */
export async function soakTraffic(ingress: string, simBase: string, auth: SenderAuth): Promise<Traffic> {
  const seeded = await Traffic.seed(simBase, 300, 300);
  return new Traffic(
    {
      ingress,
      sim: simBase,
      beds24Token: auth.beds24Token,
      siigoPath: auth.siigoPath,
      ordersApiKey: auth.ordersApiKey,
      extra: extraSenders(auth),
    },
    seeded.bookingIds,
    seeded.productIds,
  );
}

/**
 * Steady rate: one event every 1000/rate ms for durationMs, each in flight on its own (a slow
 * answer does not slow the stream, as with real providers). Resolves when the sending stops, with
 * how many were sent and `settled`, which resolves once every delivery ended (the generator
 * retries 503/429 answers).
 */
export async function sendSteady(
  traffic: Traffic,
  {
    rate,
    durationMs,
    onEach,
  }: { rate: number; durationMs: number; onEach?: (sent: number, inFlight: number) => void },
): Promise<{ sent: number; settled: Promise<void> }> {
  const inFlight = new Set<Promise<unknown>>();
  const started = Date.now();
  let sent = 0;
  while (Date.now() - started < durationMs) {
    const p = traffic.next().finally(() => inFlight.delete(p));
    inFlight.add(p);
    sent++;
    onEach?.(sent, inFlight.size);
    const due = started + (sent * 1000) / rate;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
  }
  return { sent, settled: Promise.all(inFlight).then(() => {}) };
}
