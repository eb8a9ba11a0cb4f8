import { accountLabel, type BudgetReport, ProviderBudget, type ProviderBudgetOptions } from '@cauce/base';
import { readCreditHeaders } from './beds24/client.ts';

/**
 * Each provider account's published limit: the default of its fleet-wide budget (the apps'
 * `*_BUDGET_*` variables override them). Sources in docs/operations.md, "Provider budgets".
 */
export const PROVIDER_LIMITS = {
  /** 100 requests per 10 s per location (burst limit; 200,000 a day besides). */
  ghl: { limit: 100, windowMs: 10_000 },
  /** 100 requests/s per live account. */
  stripeLive: { limit: 100, windowMs: 1_000 },
  /** 25 requests/s in test mode (sandbox). */
  stripeTest: { limit: 25, windowMs: 1_000 },
  /** PayPal publishes none and answers 429 to what looks abusive: 30/s stays clear of it. */
  paypal: { limit: 30, windowMs: 1_000 },
  /** findBySystemField, per API key (ManyChat publishes limits per operation). */
  manychatFindBySystemField: { limit: 50, windowMs: 1_000 },
  /** 100 requests per minute per company in production (10 in the sandbox). */
  siigo: { limit: 100, windowMs: 60_000 },
  /** 300 requests/s per CallBell account (docs/api/reference/rate_limits). */
  callbell: { limit: 300, windowMs: 1_000 },
  /** Credits per rolling 5 minutes per account (the usual default; raised for a fee). */
  beds24Credits: { limit: 100, windowMs: 300_000 },
} as const;

/** Stripe's limit for a key: live keys 100/s, test keys 25/s. */
export function stripeLimitFor(secretKey: string): number {
  return /^(sk|rk)_live_/.test(secretKey)
    ? PROVIDER_LIMITS.stripeLive.limit
    : PROVIDER_LIMITS.stripeTest.limit;
}

/** Beds24's credit headers as a budget report (both header spellings; resets-in in ms). */
export function beds24BudgetReport(headers: Record<string, string>): BudgetReport | null {
  const c = readCreditHeaders(headers);
  if (c.remaining === null) return null;
  return {
    remaining: c.remaining,
    resetsInMs: c.resetsInSeconds === null ? null : c.resetsInSeconds * 1000,
    cost: c.cost,
  };
}

/** Beds24's credit budget: costs read from X-RequestCost, the pool synced from the remaining credits. */
export function beds24CreditBudget(
  opts: Omit<ProviderBudgetOptions, 'provider' | 'readReport'> & { provider?: string },
): ProviderBudget {
  return new ProviderBudget({ provider: 'beds24', readReport: beds24BudgetReport, ...opts });
}

/** The SIIGO company's budget, the same from worker-stock and the ingress (webhook setup). */
export function siigoBudget(
  opts: Omit<ProviderBudgetOptions, 'provider' | 'account'> & { username: string },
): ProviderBudget {
  const { username, ...rest } = opts;
  // The API user (an email) stands for the company; hashed, as it is personal data.
  return new ProviderBudget({ provider: 'siigo', account: accountLabel(username), ...rest });
}
