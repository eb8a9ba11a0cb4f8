/**
 * `npm run demo`: the whole stack against provider-sim, kept apart from the real local stack: its
 * own database (`cauce_demo`), queue prefix, ports, settings file and WhatsApp connections file,
 * so it never touches the stack's data. provider-sim gets sample data for every source (so every
 * "Sync" button returns rows and "Unify All" makes clients and a few conflicts), and the demo
 * plays the providers at a pace the default limiters drain.
 */

import { simControl } from '@cauce/provider-sim/control';
import { GHL_SIM_LOCATION } from '@cauce/provider-sim/providers/ghl';
import { createSenderAuth, extraSenders, type SenderAuth } from '@cauce/provider-sim/traffic/senders';
import { Traffic } from '@cauce/provider-sim/traffic/traffic';
import { GENERATED_SECRETS } from '@cauce/runtime';

export const DEMO = {
  database: 'cauce_demo',
  queuePrefix: 'cauce-demo',
  port: 3101,
  simPort: 4011,
  /** worker-bookings, -orders, -stock, -staging, -whatsapp: 9201..9205 (the stack's are 9101..9105). */
  firstWorkerPort: 9201,
  settingsFile: '.cauce/demo.env',
  connectionsFile: 'packages/provider-sim/fixtures/whatsapp-connections.json',
} as const;

/**
 * Turns the launcher's environment into the demo's: the database server of DATABASE_URL (or the
 * local default) with the demo's own database, and the demo's own prefix, ports, settings and
 * connections file whatever the stack uses; the stack's secrets are dropped (the demo has its own).
 */
export function applyDemoEnv(env: Record<string, string | undefined>) {
  const db = new URL(env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/cauce');
  db.pathname = `/${DEMO.database}`;
  for (const k of Object.keys(GENERATED_SECRETS)) delete env[k];
  Object.assign(env, {
    DATABASE_URL: db.toString(),
    QUEUE_PREFIX: DEMO.queuePrefix,
    PORT: String(DEMO.port),
    SIM_PORT: String(DEMO.simPort),
    CAUCE_SETTINGS_FILE: DEMO.settingsFile,
    WHATSAPP_CONNECTIONS_FILE: DEMO.connectionsFile,
  });
}

/**
 * The keys the demo signs with (provider-sim plays every provider), its tokens taken from the
 * demo's settings so the printed commands stay valid across restarts; `env` gets the rest.
 */
export function demoSenderAuth(env: Record<string, string | undefined>, sim: string): SenderAuth {
  const fresh = createSenderAuth(sim);
  const auth: SenderAuth = {
    ...fresh,
    beds24Token: env.BEDS24_WEBHOOK_TOKEN ?? fresh.beds24Token,
    siigoToken: env.SIIGO_WEBHOOK_TOKEN ?? fresh.siigoToken,
    manychatToken: env.MANYCHAT_WEBHOOK_TOKEN ?? fresh.manychatToken,
    ordersApiKey: env.ORDERS_API_KEYS?.split(',')[0] ?? fresh.ordersApiKey,
    stripeSecret: env.STRIPE_WEBHOOK_SECRETS?.split(',')[0] ?? fresh.stripeSecret,
  };
  auth.siigoPath = `/api/webhooks/siigo/${auth.siigoToken}`;
  Object.assign(env, fresh.env, {
    BEDS24_WEBHOOK_TOKEN: auth.beds24Token,
    SIIGO_WEBHOOK_TOKEN: auth.siigoToken,
    MANYCHAT_WEBHOOK_TOKEN: auth.manychatToken,
    ORDERS_API_KEYS: auth.ordersApiKey,
    STRIPE_WEBHOOK_SECRETS: auth.stripeSecret,
  });
  return auth;
}

const sim = (base: string, path: string, body: unknown) => simControl(base, 'POST', path, body);

const PEOPLE = Array.from({ length: 30 }, (_, k) => {
  const i = k + 1;
  const first = ['Ana', 'Luis', 'María', 'Jorge', 'Camila', 'Andrés'][k % 6]!;
  return {
    i,
    first,
    last: `Demo${i}`,
    email: `cliente${i}@demo.example`,
    phone: `+57300555${String(1000 + i)}`,
  };
});

/**
 * Sample data at every staging source, overlapping on purpose: GHL has everyone, Stripe the first
 * 15, PayPal 10..20, ManyChat 5..12 (found by the lookups). Three Stripe customers carry another
 * phone than their GHL contact: "Unify All" records those as conflicts.
 */
export async function seedStagingSources(base: string) {
  await sim(base, '/__sim/ghl/contacts', {
    count: 0,
    contacts: PEOPLE.map((p) => ({
      id: `ghl-demo-${p.i}`,
      locationId: GHL_SIM_LOCATION,
      firstName: p.first,
      lastName: p.last,
      name: `${p.first} ${p.last}`,
      email: p.email,
      phone: p.phone,
      type: 'lead',
    })),
  });
  const stripePeople = PEOPLE.slice(0, 15);
  await sim(base, '/__sim/stripe/objects', {
    customers: stripePeople.map((p) => ({
      id: `cus_demo${p.i}`,
      email: p.email,
      name: `${p.first} ${p.last}`,
      phone: p.i <= 3 ? `+57301777${String(1000 + p.i)}` : p.phone,
    })),
    charges: stripePeople.slice(0, 8).map((p) => ({
      id: `ch_demo${p.i}`,
      amount: 7990000,
      currency: 'cop',
      customer: `cus_demo${p.i}`,
      status: 'succeeded',
    })),
  });
  const day = 86_400_000;
  await sim(base, '/__sim/paypal/transactions', {
    transactions: PEOPLE.slice(9, 20).map((p, k) => ({
      transaction_info: {
        transaction_id: `DEMO${String(p.i).padStart(2, '0')}TX00000000`,
        transaction_initiation_date: new Date(Date.now() - (k + 1) * day)
          .toISOString()
          .replace(/\.\d{3}Z$/, '+0000'),
        transaction_amount: { currency_code: 'USD', value: `${20 + k}.00` },
        transaction_status: 'S',
      },
      payer_info: { account_id: `DEMOPAYER${p.i}`, email_address: p.email },
    })),
  });
  await sim(base, '/__sim/manychat/subscribers', {
    subscribers: PEOPLE.slice(4, 12).map((p) => ({
      id: `mc-demo-${p.i}`,
      email: p.email,
      phone: p.phone,
      first_name: p.first,
      last_name: p.last,
    })),
  });
}

export interface DemoPace {
  /** Beds24 webhooks per minute: fetched in batches, so a few credits a minute drain them. */
  beds24PerMin: number;
  /** SIIGO webhooks per minute: half of SIIGO_WEBHOOK_MAX_PER_MIN. */
  siigoPerMin: number;
  /** Orders and the signed staging webhooks (queues without a limiter), per minute. */
  otherPerMin: number;
}

/**
 * Well within what each limited queue drains at the demo's own settings, so no backlog can grow:
 * Beds24 webhooks that wait for credits join one batched fetch (a few credits for the lot).
 */
export function demoPace(env: Record<string, string | undefined>): DemoPace {
  const siigoMax = Number(env.SIIGO_WEBHOOK_MAX_PER_MIN ?? 60);
  return { beds24PerMin: 15, siigoPerMin: siigoMax / 2, otherPerMin: 60 };
}

/** Seeds provider-sim, then plays the providers until `stopped()`; a summary every 30 s. */
export async function playProviders(opts: {
  ingress: string;
  sim: string;
  auth: SenderAuth;
  pace: DemoPace;
  stopped: () => boolean;
}) {
  const { ingress, auth, pace, stopped } = opts;
  await seedStagingSources(opts.sim);
  const seeded = await Traffic.seed(opts.sim, 60, 60);
  const traffic = new Traffic(
    {
      ingress,
      sim: opts.sim,
      beds24Token: auth.beds24Token,
      siigoPath: auth.siigoPath,
      ordersApiKey: auth.ordersApiKey,
    },
    seeded.bookingIds,
    seeded.productIds,
  );
  const extra = Object.values(extraSenders(auth));
  const other = [() => traffic.order(), ...extra.map((send) => () => send(traffic))];
  console.log(
    `demo: sending Beds24 (${pace.beds24PerMin}/min), SIIGO (${pace.siigoPerMin}/min), orders, Stripe, PayPal, GHL and ManyChat (${pace.otherPerMin}/min) events`,
  );
  const every = (perMin: number, send: () => Promise<unknown>) => {
    const timer = setInterval(() => {
      if (!stopped()) void send().catch(() => traffic.skipped++);
    }, 60_000 / perMin);
    return timer;
  };
  let n = 0;
  const timers = [
    every(pace.beds24PerMin, () => traffic.beds24()),
    every(pace.siigoPerMin, () => traffic.siigo()),
    every(pace.otherPerMin, () => other[n++ % other.length]!()),
    setInterval(() => {
      const by: Record<string, number> = {};
      for (const d of traffic.deliveries)
        by[`${d.kind} ${d.status}`] = (by[`${d.kind} ${d.status}`] ?? 0) + 1;
      console.log(`demo: sent so far ${JSON.stringify(by)}`);
    }, 30_000),
  ];
  await new Promise<void>((r) => {
    const check = setInterval(() => {
      if (!stopped()) return;
      clearInterval(check);
      r();
    }, 200);
  });
  for (const t of timers) clearInterval(t);
}
