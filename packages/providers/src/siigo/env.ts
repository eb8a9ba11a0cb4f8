import { z } from 'zod';
import { PROVIDER_LIMITS } from '../budgets.ts';
import { PARTNER_ID_RE } from './client.ts';

/**
 * The SIIGO account's variables, read alike by worker-stock (the API and its sync) and the ingress
 * (webhook subscriptions): one account, one request budget the two share through Redis.
 */
export const accountEnv = {
  /** SIIGO API: one account for worker-stock's syncs and the ingress's webhook subscriptions. */
  SIIGO_BASE_URL: z.url().default('https://api.siigo.com'),
  SIIGO_USERNAME: z.string().optional(),
  SIIGO_ACCESS_KEY: z.string().optional(),
  /** App name sent as Partner-Id: letters and digits only (SIIGO rejects hyphens). */
  SIIGO_PARTNER_ID: z
    .string()
    .regex(PARTNER_ID_RE, '3 to 100 letters or digits, no hyphens')
    .default('cauce'),
  /** SIIGO requests per window for the company, shared by every worker-stock replica and the ingress (Redis). */
  SIIGO_BUDGET_MAX: z.coerce.number().int().min(1).default(PROVIDER_LIMITS.siigo.limit),
  /** SIIGO's rate window (100 requests per minute in production; the sandbox allows 10). */
  SIIGO_BUDGET_WINDOW_MS: z.coerce.number().int().min(1).default(PROVIDER_LIMITS.siigo.windowMs),
};
