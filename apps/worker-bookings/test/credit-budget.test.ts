import { createLogger, createRedis, createRegistry } from '@cauce/runtime';
import { waitFor } from '@cauce/testkit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type BookingsWorker, startBookingsWorker } from '../src/app.ts';
import { type BookingsService, createBookingsService } from '../src/service.ts';
import { BOOKINGS_ENDPOINT, bookingsConfig, setupBookingsTest, storeAndEnqueue } from './support.ts';

// Beds24's budget is credits per account per window, whatever replica spends them. provider-sim
// keeps a small pool here (10 credits per 2 s, 1.6 a request) and answers 429 beyond it.
const { env, db, pool, redis, producer, sim } = await setupBookingsTest();
const POOL = { route: '^\\S+ /beds24/', limit: 10, windowMs: 2_000 };
const second = createRedis(env.redisUrl);
const workers: BookingsWorker[] = [];
const services: BookingsService[] = [];

afterEach(async () => {
  for (const w of workers.splice(0)) await w.close();
  for (const s of services.splice(0)) {
    await s.budget.reset();
    await s.close();
  }
  await sim.call('PUT', '/__sim/limits', 'off');
  await sim.config({ resetCredits: true });
});
afterAll(() => second.disconnect());

const creditStats = async () =>
  (
    (await sim.call('GET', '/__sim/limits')) as {
      stats: Record<string, { admitted: number; rejected: number }>;
    }
  ).stats.beds24!;

describe('Beds24 credit budget (fleet-wide)', () => {
  it("two replicas follow Beds24's credit headers even when configured for more credits than the account has", async () => {
    await sim.call('PUT', '/__sim/limits', { beds24: POOL });
    const b = await sim.create({});
    // Configured for a million credits: only the headers (remaining, resets-in, cost) hold them back.
    const config = bookingsConfig(env, sim, { BEDS24_CREDIT_BUDGET: '1000000', BEDS24_CREDIT_FLOOR: '0' });
    for (const connection of [redis, second])
      services.push(
        createBookingsService({
          config,
          db,
          pool,
          redis: connection,
          log: createLogger('credits', 'silent'),
          registry: createRegistry('credits'),
        }),
      );
    // 14 calls of 1.6 credits from alternating replicas: 22 credits, more than two windows' pool.
    for (let i = 0; i < 14; i++) {
      const found = await services[i % 2]!.client.getBooking(String(b.id), { withMessages: false });
      expect(found?.booking.id).toBe(b.id);
    }
    const stats = await creditStats();
    expect(stats.rejected).toBe(0);
    expect(stats.admitted).toBeGreaterThanOrEqual(14);
  });

  it('two worker replicas drain a burst of webhooks within the pool: every event processed, 0 × 429', async () => {
    await sim.call('PUT', '/__sim/limits', { beds24: POOL });
    const vars = {
      BEDS24_CREDIT_BUDGET: String(POOL.limit),
      BEDS24_CREDIT_WINDOW_MS: String(POOL.windowMs),
      BEDS24_CREDIT_FLOOR: '0',
    };
    for (let i = 0; i < 2; i++) workers.push(await startBookingsWorker(bookingsConfig(env, sim, vars)));
    const bookings = [];
    for (let i = 0; i < 30; i++) bookings.push(await sim.create({ firstName: `Ráfaga${i}` }));
    const before = (await sim.calls())[BOOKINGS_ENDPOINT] ?? 0;
    const sent: Array<Awaited<ReturnType<typeof storeAndEnqueue>>> = [];
    for (const b of bookings)
      for (const type of ['MODIFY', 'CANCEL'] as const)
        sent.push(await storeAndEnqueue(db, producer, b.id, type));
    await waitFor(
      async () =>
        (await db.webhookEvent.count({
          where: { id: { in: sent.map((s) => s.event.id) }, status: 'processed' },
        })) === sent.length,
      { timeoutMs: 120_000, intervalMs: 200, message: 'every burst event processed' },
    );
    for (const b of bookings)
      expect((await db.booking.findUnique({ where: { bookingId: String(b.id) } }))?.guestName).toMatch(
        /^Ráfaga/,
      );
    expect((await creditStats()).rejected).toBe(0);
    // Batched: far fewer fetches than events.
    expect(((await sim.calls())[BOOKINGS_ENDPOINT] ?? 0) - before).toBeLessThan(sent.length);
  }, 180_000);
});
