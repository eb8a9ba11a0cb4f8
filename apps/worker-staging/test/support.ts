import type { Db, Prisma } from '@cauce/db';
import { GHL_SIM_LOCATION, GHL_SIM_TOKEN } from '@cauce/provider-sim/providers/ghl';
import { MANYCHAT_SIM_KEY } from '@cauce/provider-sim/providers/manychat';
import { PAYPAL_SIM_CREDENTIALS } from '@cauce/provider-sim/providers/paypal';
import { STRIPE_SIM_KEY } from '@cauce/provider-sim/providers/stripe';
import { listenSim } from '@cauce/provider-sim/testing';
import { JOBS, type Producer, QUEUES } from '@cauce/queues';
import { parseConfig } from '@cauce/runtime';
import { type TestEnv, workerTestEnv } from '@cauce/testkit';
import { type StagingConfig, stagingEnv } from '../src/config.ts';

/** provider-sim on a free loopback port with its control routes. */
export async function startSim() {
  const sim = await listenSim();
  const { base, call } = sim;
  return {
    ...sim,
    ghlUrl: `${base}/ghl`,
    ghlContacts: (body: { count?: number; contacts?: Array<Record<string, unknown>> }) =>
      call('POST', '/__sim/ghl/contacts', body),
    stripeObjects: (body: Record<string, Array<Record<string, unknown>>>) =>
      call('POST', '/__sim/stripe/objects', body),
    paypalTransactions: (transactions: Array<Record<string, unknown>>) =>
      call('POST', '/__sim/paypal/transactions', { transactions }),
    paypalState: () => call('GET', '/__sim/paypal/state'),
    manychatSubscribers: (subscribers: Array<Record<string, unknown>>) =>
      call('POST', '/__sim/manychat/subscribers', { subscribers }),
    manychatState: () => call('GET', '/__sim/manychat/state'),
  };
}
export type Sim = Awaited<ReturnType<typeof startSim>>;

export function stagingVars(env: TestEnv, sim: Sim, overrides: Record<string, string> = {}) {
  return workerTestEnv(env, {
    GHL_BASE_URL: sim.ghlUrl,
    GHL_TOKEN: GHL_SIM_TOKEN,
    GHL_LOCATION_ID: GHL_SIM_LOCATION,
    GHL_BUDGET_MAX: '100000',
    STRIPE_BASE_URL: `${sim.base}/stripe`,
    STRIPE_SECRET_KEY: STRIPE_SIM_KEY,
    STRIPE_BUDGET_MAX: '100000',
    PAYPAL_BASE_URL: `${sim.base}/paypal`,
    PAYPAL_CLIENT_ID: PAYPAL_SIM_CREDENTIALS.clientId,
    PAYPAL_CLIENT_SECRET: PAYPAL_SIM_CREDENTIALS.clientSecret,
    PAYPAL_HISTORY_DAYS: '100',
    PAYPAL_PAGE_SIZE: '2',
    PAYPAL_BUDGET_MAX: '100000',
    MANYCHAT_BASE_URL: `${sim.base}/manychat`,
    MANYCHAT_API_KEY: MANYCHAT_SIM_KEY,
    MANYCHAT_FIND_BUDGET_MAX: '100000',
    HTTP_RETRIES: '1',
    JOB_LOCK_MS: '2000',
    STALLED_INTERVAL_MS: '1000',
    ...overrides,
  });
}

export function stagingConfig(env: TestEnv, sim: Sim, overrides: Record<string, string> = {}): StagingConfig {
  return parseConfig(stagingEnv, stagingVars(env, sim, overrides));
}

/** Delivers a webhook the way the ingress contract does: a webhook_events row, then the job. */
const STAGING_QUEUES = {
  ghl: QUEUES.stagingGhl,
  manychat: QUEUES.stagingManychat,
  stripe: QUEUES.stagingStripe,
  paypal: QUEUES.stagingPaypal,
} as const;

export async function deliverWebhook(
  db: Db,
  producer: Producer,
  provider: 'ghl' | 'manychat' | 'stripe' | 'paypal',
  eventType: string,
  dedupeKey: string,
  payload: Record<string, unknown>,
) {
  const queue = STAGING_QUEUES[provider];
  const ev = await db.webhookEvent.create({
    data: {
      provider,
      eventType,
      dedupeKey,
      payload: payload as Prisma.InputJsonValue,
      status: 'queued',
      queue,
    },
  });
  await producer.add(
    queue,
    JOBS.webhookEvent,
    { webhookEventId: String(ev.id), provider, eventType, entityId: null },
    { dedupeKey },
  );
  return ev.id;
}
