import { createDb, type Prisma, type StoredWebhookEvent, webhookEventStore } from '@cauce/db';
import type { WebhookEventJob } from '@cauce/queues';
import { handleWebhookEventJob, parseConfig, type WebhookHandled } from '@cauce/runtime';
import { setupTestEnv } from '@cauce/testkit';
import type { Job } from 'bullmq';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { stagingEnv } from '../src/config.ts';
import { handleGhlWebhook, handleStripeWebhook } from '../src/webhooks.ts';

/**
 * Provider bodies choose no code path they do not own (docs/webhooks.md, "What a body decides"):
 * the Stripe object type picks the staging table through own keys of a fixed map only, and a
 * GoHighLevel contact of another location (GHL signs every account's webhooks with one key) is
 * not staged.
 */
const env = await setupTestEnv();
const db = createDb(env.databaseUrl);
const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 2 });
const config = parseConfig(stagingEnv, { ...env.env, GHL_LOCATION_ID: 'our-location' });
afterAll(async () => {
  await pool.end();
  await db.$disconnect();
});

/** Runs a handler through the runtime's event lifecycle, as the worker does (one attempt). */
const handle = <R>(
  handler: (p: pg.Pool, c: typeof config, e: StoredWebhookEvent) => Promise<WebhookHandled<R>>,
  webhookEventId: string,
) =>
  handleWebhookEventJob(
    { data: { webhookEventId }, attemptsMade: 0, opts: { attempts: 1 } } as unknown as Job<WebhookEventJob>,
    webhookEventStore(pool),
    (e) => handler(pool, config, e),
    config,
  );

let n = 0;
const storedGhl = async (contact: Record<string, Prisma.InputJsonValue>) =>
  (
    await db.webhookEvent.create({
      data: {
        provider: 'ghl',
        eventType: 'ContactCreate',
        dedupeKey: `ghl:body-${++n}`,
        entityId: String(contact.id),
        payload: { type: 'ContactCreate', webhookId: `w${n}`, ...contact },
      },
    })
  ).id.toString();
const stored = async (object: Record<string, Prisma.InputJsonValue>) =>
  (
    await db.webhookEvent.create({
      data: {
        provider: 'stripe',
        eventType: 'customer.updated',
        dedupeKey: `stripe:evt_body_${++n}`,
        entityId: String(object.id),
        payload: { id: `evt_body_${n}`, object: 'event', type: 'customer.updated', data: { object } },
      },
    })
  ).id.toString();

describe('Stripe webhook bodies', () => {
  it('an object type named like an Object.prototype member is ignored, a known one is staged', async () => {
    for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const id = await stored({ object: type, id: `cus_${type}` });
      expect(await handle(handleStripeWebhook, id), type).toMatchObject({ status: 'ignored' });
      expect((await db.webhookEvent.findUniqueOrThrow({ where: { id: BigInt(id) } })).status).toBe('ignored');
    }
    const id = await stored({ object: 'customer', id: 'cus_real', email: 'ana@example.com' });
    expect(await handle(handleStripeWebhook, id)).toMatchObject({ result: { upserted: 'cus_real' } });
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM stripe_customers_raw');
    expect(rows[0].n).toBe(1);
  });
});

describe('GoHighLevel webhook bodies', () => {
  it('a contact of another location is ignored; one of ours is staged', async () => {
    const theirs = await storedGhl({ id: 'c-theirs', locationId: 'someone-else', email: 'x@example.com' });
    expect(await handle(handleGhlWebhook, theirs)).toMatchObject({ status: 'ignored' });
    expect(await db.webhookEvent.findUniqueOrThrow({ where: { id: BigInt(theirs) } })).toMatchObject({
      status: 'ignored',
      error: 'another GHL location',
    });
    const ours = await storedGhl({ id: 'c-ours', locationId: 'our-location', email: 'y@example.com' });
    expect(await handle(handleGhlWebhook, ours)).toMatchObject({ result: { upserted: 'c-ours' } });
    const { rows } = await pool.query('SELECT ghl_contact_id FROM ghl_contacts_raw');
    expect(rows.map((r) => r.ghl_contact_id)).toEqual(['c-ours']);
  });
});
