import { isIP } from 'node:net';
import { siigo } from '@cauce/providers';
import { baseEnv, bool, csv, optionalString as secret } from '@cauce/runtime';
import { z } from 'zod';
import { userName } from './users/accounts.ts';

/** proxy-addr's names for address ranges, accepted in a TRUST_PROXY list. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const isAddressOrCidr = (s: string) => {
  if (RANGE_NAMES.has(s)) return true;
  const [ip, bits, ...rest] = s.split('/');
  const family = isIP(ip ?? '');
  if (!family || rest.length) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
};

/**
 * TRUST_PROXY as Fastify's `trustProxy` takes it: false (default: X-Forwarded-* ignored), a hop
 * count (1: one load balancer in front; the address it appends is the client's), a
 * comma-separated list of proxy addresses/CIDRs (only those peers' X-Forwarded-For is read), or
 * true (every hop trusted: the client can choose its address, only behind a proxy that
 * overwrites the header).
 */
export type TrustProxy = boolean | number | string[];

/**
 * What Fastify gets. Fastify 5 trusts nobody for a bare number (it cannot check the peer), so a
 * hop count becomes proxy-addr's classic rule: the socket peer and the next n-1 addresses of
 * X-Forwarded-For are proxies. That assumes the ingress is reachable only through the balancer;
 * otherwise list the balancer's addresses instead.
 */
export function fastifyTrustProxy(
  v: TrustProxy,
): boolean | string[] | ((addr: string, hop: number) => boolean) {
  return typeof v === 'number' ? (_addr: string, hop: number) => hop < v : v;
}

export const trustProxy = z
  .string()
  .trim()
  .transform((v, ctx): TrustProxy => {
    const lower = v.toLowerCase();
    if (lower === '' || lower === 'false' || lower === 'no') return false;
    if (lower === 'true' || lower === 'yes') return true;
    if (/^\d{1,2}$/.test(v)) return Number(v);
    const list = v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    const bad = list.filter((x) => !isAddressOrCidr(x));
    if (bad.length) {
      ctx.addIssue({
        code: 'custom',
        message: 'true, false, a hop count, or a comma-separated list of IP addresses or CIDRs',
      });
      return z.NEVER;
    }
    return list;
  });

/** Every variable the ingress reads (documented in the README's configuration table). */
export const ingressEnv = baseEnv.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  /** Interface to listen on: loopback unless opened (the Docker image sets 0.0.0.0). */
  HOST: z.string().default('127.0.0.1'),
  /** Largest accepted request body, bytes. */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** Secret for admin JWTs (HS256). At least 32 characters. */
  JWT_SECRET: z.string().min(32),
  /** Name of the first admin user, created on start when the users table is empty. */
  CAUCE_ADMIN_USER: userName.default('admin'),
  /** Password of that first admin (at least 10 characters); read only while no user exists. Local stack: generated into .cauce/local.env. */
  CAUCE_ADMIN_PASSWORD: secret,
  /** How long a browser session lasts after login (hours). */
  SESSION_TTL_HOURS: z.coerce
    .number()
    .min(0.01)
    .max(24 * 30)
    .default(12),
  /** Proxies in front of the ingress whose X-Forwarded-* is trusted: a hop count (1 behind one load balancer), proxy IPs/CIDRs, true or false. */
  TRUST_PROXY: trustProxy.default(false),
  // SIIGO API, for the stock subscriptions (docs/stock.md): the account worker-stock uses.
  ...siigo.accountEnv,
  /** Public base URL SIIGO calls back; POST /api/webhooks/setup subscribes WEBHOOK_BASE_URL + SIIGO_SUBSCRIPTION_PATH. */
  WEBHOOK_BASE_URL: z.url().optional(),
  /** Path of the SIIGO webhook route, including its secret token segment when one is configured. */
  SIIGO_SUBSCRIPTION_PATH: z.string().startsWith('/').default('/api/webhooks/siigo'),
  /** API keys for POST /api/orders (comma-separated; sent as X-Api-Key). Empty: intake refuses every call. */
  ORDERS_API_KEYS: csv.default([]),
  /**
   * Connect and query timeout (ms) of the ingress' PostgreSQL pool (order intake, admin API, webhooks): a hung
   * PostgreSQL makes POST /api/orders answer 503 + Retry-After after this instead of holding it.
   */
  INGRESS_DB_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** How long POST /api/orders waits for Redis before answering anyway (the sweep enqueues later). */
  ORDERS_ENQUEUE_TIMEOUT_MS: z.coerce.number().int().min(1).default(2_000),
  /** Rate limits (per client IP and route, shared through Redis) on /api/webhooks/* and /api/admin/*. */
  RATE_LIMIT_ENABLED: bool.default(true),
  /** Webhook requests per IP and route per window: far above any provider, only stops floods. */
  RATE_LIMIT_WEBHOOKS_MAX: z.coerce.number().int().min(1).default(20_000),
  /** Window of the webhook limit (ms). */
  RATE_LIMIT_WEBHOOKS_WINDOW_MS: z.coerce.number().int().min(100).default(1_000),
  /**
   * How often each replica adds its webhook counts to Redis and reads the fleet's totals (ms).
   * Webhooks are counted in process; a replica also syncs after each tenth of the limit.
   */
  RATE_LIMIT_WEBHOOKS_SYNC_MS: z.coerce.number().int().min(10).default(100),
  /** Admin API and Bull Board requests per IP and route per window. */
  RATE_LIMIT_ADMIN_MAX: z.coerce.number().int().min(1).default(600),
  /** Window of the admin limit (ms). */
  RATE_LIMIT_ADMIN_WINDOW_MS: z.coerce.number().int().min(100).default(60_000),
  /** How long a rate-limit counter may take in Redis: past it an admin request goes through uncounted (fail open), a webhook replica counts alone until Redis answers. */
  RATE_LIMIT_REDIS_TIMEOUT_MS: z.coerce.number().int().min(50).default(500),
  /** POST /api/admin/login attempts per client address per window (a stricter limit than the admin one). */
  LOGIN_RATE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(1).default(20),
  /** POST /api/admin/login attempts per user name (case-insensitive) per window, from any address. */
  LOGIN_RATE_LIMIT_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  /** Window of the login limits (ms). */
  LOGIN_RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(100).default(900_000),
  /** Largest CSV upload (POST /api/sync/csv), bytes: beyond it the request is answered 413. */
  CSV_UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(200 * 1024 * 1024),
  /** How long queue stats, replays and the CSV import enqueue wait for Redis (503, or for a CSV upload 202 with `enqueued: false`). */
  ADMIN_QUEUE_TIMEOUT_MS: z.coerce.number().int().min(1).default(5_000),

  // Webhook intake (docs/webhooks.md). A provider whose secret is unset is answered 503 (429 for
  // GoHighLevel), so it keeps retrying until an operator configures it: nothing is accepted unchecked.
  /** Beds24: `Authorization: Bearer <token>` (custom header) or the path /api/webhooks/beds24/<token>. */
  BEDS24_WEBHOOK_TOKEN: secret,
  /** SIIGO sends no signature: the secret path segment /api/webhooks/siigo/<token> (also /receive/<token>). */
  SIIGO_WEBHOOK_TOKEN: secret,
  /** When set, SIIGO events must carry this company_key (their account's). */
  SIIGO_COMPANY_KEY: secret,
  /**
   * Migration aid: accept POST /api/webhooks/receive without the path token, for SIIGO subscriptions
   * made before Cauce, but only when SIIGO_COMPANY_KEY is set and matches. Re-subscribe with the
   * token (POST /api/webhooks/setup), then turn it off.
   */
  SIIGO_WEBHOOK_LEGACY_RECEIVE: bool.default(false),
  /** ManyChat External Request: path /api/webhooks/manychat/<token> or header X-Cauce-Token. */
  MANYCHAT_WEBHOOK_TOKEN: secret,
  /** Stripe endpoint secrets (whsec_…), comma-separated: several while one is being rotated. */
  STRIPE_WEBHOOK_SECRETS: csv.default([]),
  /** GoHighLevel Ed25519 public keys (SPKI base64 or PEM), comma-separated. Default: GHL's published key. */
  GHL_WEBHOOK_PUBLIC_KEYS: csv.optional(),
  /** Legacy RSA public keys (PEM, `\n` escapes allowed) for X-WH-Signature, comma-separated. */
  GHL_WEBHOOK_RSA_PUBLIC_KEYS: csv.default([]),
  /** PayPal webhook id of the subscription (part of the signed string). */
  PAYPAL_WEBHOOK_ID: secret,
  /** Hosts PayPal certificates may be downloaded from, comma-separated. Default: PayPal's API hosts. */
  PAYPAL_CERT_HOSTS: csv.optional(),
  /** Allow http: certificate URLs (provider-sim on loopback); never in production. */
  PAYPAL_CERT_ALLOW_HTTP: bool.default(false),
  /** Group commit: most rows in one INSERT. */
  WEBHOOK_BATCH_MAX: z.coerce.number().int().min(1).max(5_000).default(500),
  /** Group commit: INSERTs in flight at once; requests arriving meanwhile join the next one. */
  WEBHOOK_BATCH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * Longest wait for PostgreSQL to commit a webhook (ms): a stopped or hung PostgreSQL gets a
   * 503/429 + Retry-After after this, not a held request.
   */
  WEBHOOK_DB_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  /** How long a request waits for Redis before answering 202 anyway (the redrive enqueues later). */
  WEBHOOK_ENQUEUE_TIMEOUT_MS: z.coerce.number().int().min(1).default(1_000),
  /** Redrive: how often the leader looks for stored events that never reached their queue (ms). */
  WEBHOOK_REDRIVE_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
  /** Redrive: events younger than this are left to their own request (ms). */
  WEBHOOK_REDRIVE_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /** Retry-After (seconds) sent with 503/429 when PostgreSQL is unavailable. */
  WEBHOOK_RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).default(30),
});
export type IngressConfig = z.infer<typeof ingressEnv>;
