/**
 * The floor of bench:ingress's design: what its two durable steps cost on their own, without HTTP,
 * authentication, validation or dedupe, run from the bench process against the same private
 * PostgreSQL and Redis. The ingress's own code does each step (GroupCommit from its store, addBulk
 * through the Producer), in batches of a given size, one batch at a time. CPU per event (µs) of
 * the caller, and of PostgreSQL or Redis, from /proc.
 */
import { JOBS, Producer, QUEUES } from '@cauce/queues';
import { Redis } from 'ioredis';
import pg from 'pg';
import { GroupCommit } from '../../apps/ingress/src/webhooks/store.ts';
import { cpuMeter, withChildren } from './proc-cpu.ts';

export interface FloorPart {
  client: number;
  server: number;
}

export interface Floor {
  batch: number;
  insert: FloorPart;
  enqueue: FloorPart;
}

export async function measureFloor(o: {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  postmaster: number;
  redisPid: number;
  batch: number;
  events: number;
  /** The body each event stores (the load's own shape). */
  body: (seq: number) => string;
}): Promise<Floor> {
  const pool = new pg.Pool({ connectionString: o.databaseUrl, max: 2 });
  const redis = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  const producer = new Producer(redis, o.prefix);
  const run = `floor${o.batch}-${Date.now()}`;
  const keys = Array.from({ length: o.events }, (_, i) => `${run}-${i}`);
  const batches = (f: (from: number, to: number) => Promise<unknown>) => async () => {
    for (let i = 0; i < keys.length; i += o.batch) await f(i, Math.min(i + o.batch, keys.length));
  };
  const measure = async (server: () => number[], work: () => Promise<void>): Promise<FloorPart> => {
    const meter = cpuMeter({ client: () => [process.pid], server });
    meter.start();
    await work();
    const used = meter.read();
    return { client: used.client! / o.events, server: used.server! / o.events };
  };
  try {
    const store = new GroupCommit(pool, { maxBatch: o.batch, concurrency: 1 });
    const insert = await measure(
      () => withChildren(o.postmaster),
      batches((from, to) =>
        Promise.all(
          keys.slice(from, to).map((k, i) =>
            store.insert({
              provider: 'floor',
              eventType: 'MODIFY',
              dedupeKey: k,
              entityId: String(from + i),
              // 'rejected' (no queue): the same row to write, one the ingress's redrive leaves alone.
              status: 'rejected',
              queue: null,
              jobId: null,
              payload: o.body(from + i),
              headers: '{"content-type":"application/json"}',
              error: null,
            }),
          ),
        ),
      ),
    );
    await producer.queue(QUEUES.beds24Sync).waitUntilReady();
    const enqueue = await measure(
      () => [o.redisPid],
      batches((from, to) =>
        producer.addBulk(
          QUEUES.beds24Sync,
          JOBS.webhookEvent,
          keys.slice(from, to).map((k, i) => ({
            data: { webhookEventId: String(from + i), provider: 'floor', eventType: 'MODIFY', entityId: k },
            opts: { jobId: k },
          })),
        ),
      ),
    );
    return { batch: o.batch, insert, enqueue };
  } finally {
    await producer.close();
    redis.disconnect();
    await pool.end();
  }
}
