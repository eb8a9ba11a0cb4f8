/**
 * The second baseline of `bench:ingress`, the naive durable path: per request, one INSERT of the
 * raw event (its own commit) and one BullMQ add, then 202. No authentication, validation, group
 * commit or batching: what "store, enqueue, answer" costs done the obvious way.
 */
import { Queue } from 'bullmq';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 8 });
const redis = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });
const queue = new Queue('beds24-sync', { connection: redis, prefix: process.env.QUEUE_PREFIX });
const app = Fastify({ logger: false });
let errorsLogged = 0;
app.setErrorHandler((err, _req, reply) => {
  if (errorsLogged++ < 3) console.error(`naive: ${(err as Error).message}`);
  return reply.code(500).send({ error: 'internal' });
});
app.post('/api/webhooks/beds24', async (req, reply) => {
  const body = req.body as { booking: { id: number; modifiedTime: string } };
  const key = `naive-${body.booking.id}-${body.booking.modifiedTime}`;
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO webhook_events (provider, event_type, dedupe_key, entity_id, status, queue, payload)
     VALUES ('naive', 'modified', $1, $2, 'received', 'beds24-sync', $3::jsonb)
     ON CONFLICT (dedupe_key) DO NOTHING RETURNING id::text`,
    [key, String(body.booking.id), JSON.stringify(body)],
  );
  if (rows[0]) await queue.add('webhook-event', { webhookEventId: rows[0].id }, { jobId: key });
  return reply.code(202).send({ received: true });
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
const stop = async () => {
  await app.close();
  await queue.close();
  await pool.end();
  redis.disconnect();
  process.exit(0);
};
process.on('SIGTERM', stop);
