import { ALL_QUEUES, WORKER_APPS } from '@cauce/queues';
import { connectedApps, registerQueueMetrics } from '@cauce/runtime';
import type { FastifyInstance } from 'fastify';
import type { IngressDeps } from '../context.ts';
import { withTimeout } from '../with-timeout.ts';

/**
 * /api/health: the process is alive. /api/ready: PostgreSQL and Redis answer (the status code is
 * the ingress's own readiness), plus each worker app as up or missing, so a dead worker shows
 * without reading logs. /metrics: Prometheus, with every queue's depth and workers (the ingress
 * outlives any worker, so QueueWithoutWorker can fire from its series).
 */
export async function healthRoutes(app: FastifyInstance, { db, redis, registry, config }: IngressDeps) {
  const queueMetrics = registerQueueMetrics(registry, ALL_QUEUES, redis, config.QUEUE_PREFIX);
  app.addHook('onClose', () => queueMetrics.close());

  app.get('/api/health', async () => ({ status: 'ok', uptime: process.uptime() }));
  app.get('/api/ready', async (_req, reply) => {
    const [pg, rd, apps] = await Promise.allSettled([
      db.$queryRaw`SELECT 1`,
      redis.status === 'ready' ? redis.ping() : Promise.reject(new Error(redis.status)),
      redis.status === 'ready'
        ? withTimeout(connectedApps(redis, config.QUEUE_PREFIX, WORKER_APPS), config.ADMIN_QUEUE_TIMEOUT_MS)
        : Promise.reject(new Error(redis.status)),
    ]);
    const workers = Object.fromEntries(
      WORKER_APPS.map((w) => [
        w,
        apps.status === 'fulfilled' ? (apps.value[w]! > 0 ? 'up' : 'missing') : 'unknown',
      ]),
    );
    const body = {
      postgres: pg.status === 'fulfilled' ? 'up' : 'down',
      redis: rd.status === 'fulfilled' ? 'up' : 'down',
      workers,
    };
    const ready = body.postgres === 'up' && body.redis === 'up';
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', ...body });
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
