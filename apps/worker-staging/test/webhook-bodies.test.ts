import { createDb } from '@cauce/db';
import { parseConfig } from '@cauce/runtime';
import { setupTestEnv } from '@cauce/testkit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { stagingEnv } from '../src/config.ts';
import { handleStripeWebhook } from '../src/webhooks.ts';

/**
 * Provider bodies choose no code path they do not own (docs/webhooks.md, "What a body decides"):
 * the Stripe object type picks the staging table through own keys of a fixed map only.
 */
const env = await setupTestEnv();
const db = createDb(env.databaseUrl);
const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 2 });
const config = parseConfig(stagingEnv, env.env);
afterAll(async () => {
  await pool.end();
  await db.$disconnect();
});

let n = 0;
const stored = async (object: Record<string, unknown>) =>
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
      expect(await handleStripeWebhook(db, pool, config, id), type).toEqual({ ignored: true });
      expect((await db.webhookEvent.findUniqueOrThrow({ where: { id: BigInt(id) } })).status).toBe('ignored');
    }
    const id = await stored({ object: 'customer', id: 'cus_real', email: 'ana@example.com' });
    expect(await handleStripeWebhook(db, pool, config, id)).toEqual({ upserted: 'cus_real' });
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM stripe_customers_raw');
    expect(rows[0].n).toBe(1);
  });
});
