import { stripeLimitFor } from '@cauce/providers';
import { accountLabel, ProviderBudget, type RedisConnection, type Registry } from '@cauce/runtime';
import type { StagingConfig } from './config.ts';

/** What a staging source's client needs to share its provider account's budget with the fleet. */
export interface BudgetDeps {
  redis: RedisConnection;
  registry?: Registry;
}

/**
 * The fleet-wide budget of one staging provider account. Accounts are named by a non-secret id
 * (GHL's location) or a hash of the credential, never the credential itself.
 */
export function stagingBudget(
  config: StagingConfig,
  deps: BudgetDeps,
  provider: 'ghl' | 'stripe' | 'paypal' | 'manychat',
): ProviderBudget {
  const common = { redis: deps.redis, prefix: config.QUEUE_PREFIX, registry: deps.registry };
  switch (provider) {
    case 'ghl':
      return new ProviderBudget({
        ...common,
        provider,
        account: config.GHL_LOCATION_ID ?? '',
        limit: config.GHL_BUDGET_MAX,
        windowMs: config.GHL_BUDGET_WINDOW_MS,
      });
    case 'stripe':
      return new ProviderBudget({
        ...common,
        provider,
        account: accountLabel(config.STRIPE_SECRET_KEY ?? ''),
        limit: config.STRIPE_BUDGET_MAX ?? stripeLimitFor(config.STRIPE_SECRET_KEY ?? ''),
        windowMs: config.STRIPE_BUDGET_WINDOW_MS,
      });
    case 'paypal':
      return new ProviderBudget({
        ...common,
        provider,
        account: accountLabel(config.PAYPAL_CLIENT_ID ?? ''),
        limit: config.PAYPAL_BUDGET_MAX,
        windowMs: config.PAYPAL_BUDGET_WINDOW_MS,
      });
    case 'manychat':
      // Published per operation: the operation is part of the account.
      return new ProviderBudget({
        ...common,
        provider,
        account: `${accountLabel(config.MANYCHAT_API_KEY ?? '')}:findBySystemField`,
        limit: config.MANYCHAT_FIND_BUDGET_MAX,
        windowMs: config.MANYCHAT_FIND_BUDGET_WINDOW_MS,
      });
  }
}
