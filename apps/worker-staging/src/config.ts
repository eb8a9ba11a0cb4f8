import { PROVIDER_LIMITS } from '@cauce/providers';
import { csv, workerEnv } from '@cauce/runtime';
import { z } from 'zod';

const int = (dflt: number, min = 0) => z.coerce.number().int().min(min).default(dflt);

/** Every variable worker-staging reads (docs/staging.md lists them). */
export const stagingEnv = workerEnv
  .extend({
    GHL_BASE_URL: z.url().default('https://services.leadconnectorhq.com'),
    GHL_TOKEN: z.string().optional(),
    GHL_LOCATION_ID: z.string().optional(),
    /** Contacts per search page (100 is the documented safe size). */
    GHL_PAGE_SIZE: int(100, 1),
    /** GHL requests per window for the location, shared by every replica (Redis budget). */
    GHL_BUDGET_MAX: int(PROVIDER_LIMITS.ghl.limit, 1),
    /** GHL's burst window: 100 requests per 10 s per location. */
    GHL_BUDGET_WINDOW_MS: int(PROVIDER_LIMITS.ghl.windowMs, 1),
    /** Pause between pages, on top of the rate limit. */
    GHL_PAGE_DELAY_MS: int(0),
    STRIPE_BASE_URL: z.url().default('https://api.stripe.com'),
    STRIPE_SECRET_KEY: z.string().optional(),
    STRIPE_API_VERSION: z.string().default('2024-06-20'),
    STRIPE_PAGE_SIZE: z.coerce.number().int().min(1).max(100).default(100),
    /** Stripe requests per window for the account; unset: 100 for a live key, 25 for a test key. */
    STRIPE_BUDGET_MAX: z.coerce.number().int().min(1).optional(),
    STRIPE_BUDGET_WINDOW_MS: int(PROVIDER_LIMITS.stripeLive.windowMs, 1),
    MANYCHAT_BASE_URL: z.url().default('https://api.manychat.com'),
    MANYCHAT_API_KEY: z.string().optional(),
    /** findBySystemField calls per window for the API key (published at 50/s), fleet-wide. */
    MANYCHAT_FIND_BUDGET_MAX: int(PROVIDER_LIMITS.manychatFindBySystemField.limit, 1),
    MANYCHAT_FIND_BUDGET_WINDOW_MS: int(PROVIDER_LIMITS.manychatFindBySystemField.windowMs, 1),
    /** Identifiers read (and looked up) per checkpointed batch. */
    MANYCHAT_LOOKUP_BATCH: int(200, 1),
    PAYPAL_BASE_URL: z.url().default('https://api-m.paypal.com'),
    PAYPAL_CLIENT_ID: z.string().optional(),
    PAYPAL_CLIENT_SECRET: z.string().optional(),
    /** Transaction search range per request: at most 31 days. */
    PAYPAL_WINDOW_DAYS: z.coerce.number().int().min(1).max(31).default(31),
    /** How far back a first run reads (PayPal keeps 3 years). */
    PAYPAL_HISTORY_DAYS: int(1095, 1),
    PAYPAL_PAGE_SIZE: z.coerce.number().int().min(1).max(500).default(500),
    /** PayPal requests per window for the app: it publishes no limit; 30/s keeps clear of its abuse throttling. */
    PAYPAL_BUDGET_MAX: int(PROVIDER_LIMITS.paypal.limit, 1),
    PAYPAL_BUDGET_WINDOW_MS: int(PROVIDER_LIMITS.paypal.windowMs, 1),
    HTTP_TIMEOUT_MS: int(30_000, 100),
    HTTP_RETRIES: int(3),
    /** Region for phone numbers written without a country code. */
    DEFAULT_PHONE_REGION: z.string().length(2).default('CO'),
    /** Placeholder emails / phones that are never merge keys (comma-separated, normalised form). */
    UNIFY_EMAIL_DENYLIST: csv.default([
      'test@test.com',
      'noemail@noemail.com',
      'no@email.com',
      'none@none.com',
      'email@email.com',
      'example@example.com',
      'na@na.com',
    ]),
    UNIFY_PHONE_DENYLIST: csv.default([]),
    /** An identifier carried by more than this many distinct records stops being a key. */
    UNIFY_MAX_IDENTIFIER_CARDINALITY: int(25, 1),
    /**
     * A PostgreSQL URL that bypasses a transaction-mode pooler (PgBouncer, Supabase's pooler): unify
     * then runs on a session of its own there. Unset: on one connection of the process's pool.
     */
    DIRECT_DATABASE_URL: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    ),
    /** work_mem and temp_buffers of a unify run's transaction (a number: MB). */
    UNIFY_WORK_MEM_MB: z.coerce.number().int().min(4).max(4096).default(256),
    /** An email seen with more distinct phones than this is a shared placeholder, no key. */
    UNIFY_MAX_PHONES_PER_EMAIL: int(3, 1),
    /** An email or phone carried by more different first names than this is no key. */
    UNIFY_MAX_NAMES_PER_IDENTIFIER: int(4, 1),
    /** Safety bound on label-propagation rounds per grouping step (each round also jumps pointers). */
    UNIFY_MAX_WAVES: int(50, 1),
    /** ManyChat custom field id carrying a Stripe customer id (cus_…): a merge key when set. */
    MANYCHAT_STRIPE_CUSTOMER_FIELD_ID: z.string().optional(),
    /** ManyChat custom field id carrying a GoHighLevel contact id: a merge key when set. */
    MANYCHAT_GHL_CONTACT_FIELD_ID: z.string().optional(),
    /** GoHighLevel custom field id carrying a Stripe customer id: a merge key when set. */
    GHL_STRIPE_CUSTOMER_FIELD_ID: z.string().optional(),
    /** How often (ms) worker-staging looks for committed CSV uploads whose job never reached Redis. */
    CSV_REQUEUE_INTERVAL_MS: int(60_000, 100),
    /** Rows per multi-row upsert statement. */
    STAGING_BATCH_SIZE: int(1000, 1),
  })
  .refine((c) => c.DB_POOL_MAX === undefined || c.DB_POOL_MAX >= 2, {
    // A unify run holds one connection for its transaction and reports progress on another.
    path: ['DB_POOL_MAX'],
    message: 'worker-staging needs at least 2 connections',
  });
export type StagingConfig = z.infer<typeof stagingEnv>;
