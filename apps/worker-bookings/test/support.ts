import type { Db } from '@cauce/db';
import { BEDS24_SIM_CREDENTIALS } from '@cauce/provider-sim/providers/beds24';
import { listenSim } from '@cauce/provider-sim/testing';
import { JOBS, type Producer, QUEUES, toJobId } from '@cauce/queues';
import { parseConfig } from '@cauce/runtime';
import { setupWorkerTest, type TestEnv, workerTestEnv } from '@cauce/testkit';
import { type BookingsConfig, bookingsEnv } from '../src/config.ts';

/** provider-sim on a free loopback port, with helpers for its Beds24 control routes. */
export async function startSim() {
  const sim = await listenSim();
  const { base, call } = sim;
  return {
    ...sim,
    beds24Url: `${base}/beds24/v2`,
    create: (input: Record<string, unknown> = {}) => call('POST', '/__sim/beds24/bookings', input),
    modify: (id: number | string, patch: Record<string, unknown>) =>
      call('PATCH', `/__sim/beds24/bookings/${id}`, patch),
    cancel: (id: number | string) => call('POST', `/__sim/beds24/bookings/${id}/cancel`, {}),
    seed: (count: number) => call('POST', '/__sim/beds24/seed', { count }),
    config: (c: Record<string, unknown>) => call('POST', '/__sim/beds24/config', c),
    emit: (body: Record<string, unknown>) => call('POST', '/__sim/beds24/emit', body),
  };
}
export type Sim = Awaited<ReturnType<typeof startSim>>;

/** This file's database, Redis, producer and provider-sim, closed after the file's tests. */
export const setupBookingsTest = () => setupWorkerTest(startSim);

export const BOOKINGS_ENDPOINT = 'GET /beds24/v2/bookings';
export const MESSAGES_ENDPOINT = 'GET /beds24/v2/bookings/messages';
export const TOKEN_ENDPOINT = 'GET /beds24/v2/authentication/token';

export function workerEnvFor(
  env: TestEnv,
  sim: Sim,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return workerTestEnv(env, {
    BEDS24_BASE_URL: sim.beds24Url,
    BEDS24_WRITE_REFRESH_TOKEN: BEDS24_SIM_CREDENTIALS.refreshToken,
    BEDS24_CREDIT_BUDGET: '1000000',
    BEDS24_COLLAPSE_MARGIN_MS: '0',
    ...overrides,
  });
}

export function bookingsConfig(
  env: TestEnv,
  sim: Sim,
  overrides: Record<string, string> = {},
): BookingsConfig {
  return parseConfig(bookingsEnv, workerEnvFor(env, sim, overrides));
}

let seq = 0;
/**
 * Delivers a Beds24 webhook the way the ingress contract does: a row in webhook_events, then a
 * 'webhook-event' job on beds24-sync with jobId = the dedupe key, with status 'queued' (written before the add, so it never overwrites the worker's settle).
 */
export async function storeAndEnqueue(
  db: Db,
  producer: Producer,
  bookingId: number | string,
  eventType: 'CREATED' | 'MODIFY' | 'CANCEL',
  payload: Record<string, unknown> = {},
) {
  const dedupeKey = `beds24:${bookingId}:${eventType}:${Date.now()}:${++seq}:${Math.random()}`;
  const event = await db.webhookEvent.create({
    data: {
      provider: 'beds24',
      eventType,
      dedupeKey,
      entityId: String(bookingId),
      payload: { booking: { id: Number(bookingId) }, ...payload },
      queue: QUEUES.beds24Sync,
      jobId: toJobId(dedupeKey),
      // Queued before the add: a mark written after it could overwrite the worker's settle.
      status: 'queued',
      enqueuedAt: new Date(),
    },
  });
  const job = await producer.add(
    QUEUES.beds24Sync,
    JOBS.webhookEvent,
    { webhookEventId: event.id.toString(), provider: 'beds24', eventType, entityId: String(bookingId) },
    { dedupeKey },
  );
  return { event, job };
}
