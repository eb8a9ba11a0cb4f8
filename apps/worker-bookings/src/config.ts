import { PROVIDER_LIMITS } from '@cauce/providers';
import { bool, optionalString as secret, workerEnv } from '@cauce/runtime';
import { z } from 'zod';

const ms = (dflt: number) => z.coerce.number().int().min(0).default(dflt);

/** Every variable worker-bookings reads (docs/bookings.md lists them with their meaning). */
export const bookingsEnv = workerEnv.extend({
  BEDS24_BASE_URL: z.url().default('https://api.beds24.com/v2'),
  /** Long-life read token… */
  BEDS24_TOKEN: secret,
  /** …or a refresh token exchanged for 24 h access tokens (takes precedence when both are set). */
  BEDS24_WRITE_REFRESH_TOKEN: secret,
  /** Country for guest phone numbers written without +prefix when the booking has no country2. */
  BEDS24_DEFAULT_COUNTRY: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'an ISO-3166 alpha-2 code such as CO')
    .default('CO'),
  /** JSON object propertyId -> name: Beds24 bookings carry only the property id. */
  BEDS24_PROPERTY_NAMES: z
    .string()
    .default('{}')
    .transform((s, ctx) => {
      try {
        const v = JSON.parse(s) as unknown;
        if (v && typeof v === 'object' && !Array.isArray(v))
          return Object.fromEntries(Object.entries(v).map(([k, n]) => [k, String(n)]));
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'a JSON object such as {"200101":"Casa Azul"}' });
      return z.NEVER;
    }),
  /** Also read GET /bookings/messages (one more API call per fetch; there is no include for messages). */
  BEDS24_FETCH_MESSAGES: bool.default(true),
  BEDS24_TIMEOUT_MS: ms(30_000),
  /** Retries inside one call; 0 by default so the queue's 5 s / 25 s schedule is the retry policy. */
  BEDS24_HTTP_RETRIES: z.coerce.number().int().min(0).max(5).default(0),
  /** Longest wait for credits or a Retry-After inside a job; longer ones go back to the queue. */
  BEDS24_MAX_WAIT_MS: ms(30_000),
  /** The account's API credits per window, shared by every replica (fleet-wide budget in Redis). */
  BEDS24_CREDIT_BUDGET: z.coerce.number().positive().default(PROVIDER_LIMITS.beds24Credits.limit),
  /** Beds24's credit window (5 minutes). */
  BEDS24_CREDIT_WINDOW_MS: z.coerce.number().int().min(1).default(PROVIDER_LIMITS.beds24Credits.windowMs),
  /** Credits a call is assumed to cost until its X-RequestCost answers (a 100-booking page costs ~1.6). */
  BEDS24_CREDITS_PER_CALL: z.coerce.number().positive().default(2),
  /** Below this many credits left (as Beds24 reports them) every replica waits for the window to reset. */
  BEDS24_CREDIT_FLOOR: z.coerce.number().min(0).default(5),
  /**
   * Jobs in flight per replica. Jobs running together are batched (one fetch, one upsert+settle),
   * so more in flight means bigger batches and fewer Beds24 credits; the credit budget, not a job
   * count, sets the rate.
   */
  BEDS24_SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(200),
  /**
   * Most bookings fetched in one GET /bookings (and upserted in one statement) for jobs running at
   * the same time; at most Beds24's page size (100), so a batch is one page.
   */
  BEDS24_FETCH_BATCH_MAX: z.coerce.number().int().min(1).max(100).default(100),
  /**
   * A webhook received at least this long before a successful fetch of the same booking started
   * is covered by that fetch and skips its own (clock-skew allowance between ingress DB and worker).
   */
  BEDS24_COLLAPSE_MARGIN_MS: ms(1_000),
  BEDS24_TOKEN_REFRESH_MARGIN_MS: ms(10 * 60_000),
});
export type BookingsConfig = z.infer<typeof bookingsEnv>;

/** Why Beds24 is off (no credentials), or null. */
export function beds24DisabledReason(c: BookingsConfig): string | null {
  return c.BEDS24_TOKEN || c.BEDS24_WRITE_REFRESH_TOKEN
    ? null
    : 'Beds24 disabled: set BEDS24_TOKEN or BEDS24_WRITE_REFRESH_TOKEN';
}
