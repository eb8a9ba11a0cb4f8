import { ALL_QUEUES, WORKER_APPS } from '@cauce/queues';
import { connectedApps, registerQueueMetrics } from '@cauce/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../context.ts';
import { doc, textBody } from '../http/schemas.ts';
import { withTimeout } from '../with-timeout.ts';

/**
 * /api/health: the process is alive. /api/ready: PostgreSQL and Redis answer (the status code is
 * the ingress's own readiness), plus each worker app as up or missing, so a dead worker shows
 * without reading logs. /metrics: Prometheus, with every queue's depth and workers (the ingress
 * outlives any worker, so QueueWithoutWorker can fire from its series).
 */
const readiness = z.object({
  status: z.enum(['ready', 'not ready']),
  postgres: z.enum(['up', 'down']),
  redis: z.enum(['up', 'down']),
  workers: z.record(z.string(), z.enum(['up', 'missing', 'unknown'])).describe('each worker app'),
});

export async function healthRoutes(
  scope: FastifyInstance,
  { db, redis, registry, metrics, config }: IngressDeps,
) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const queueMetrics = registerQueueMetrics(registry, ALL_QUEUES, redis, config.QUEUE_PREFIX);
  app.addHook('onClose', () => queueMetrics.close());

  app.get(
    '/api/health',
    {
      schema: {
        ...doc({ summary: 'The process is alive', tags: ['health'], auth: 'public' }),
        response: {
          200: z.object({ status: z.literal('ok'), uptime: z.number() }).describe('alive'),
        },
      },
    },
    async () => ({ status: 'ok' as const, uptime: process.uptime() }),
  );
  const readySchema = {
    ...doc({ summary: 'PostgreSQL and Redis answer', tags: ['health'], auth: 'public' }),
    response: {
      200: readiness.describe('ready'),
      503: readiness.describe('PostgreSQL or Redis is down (same body)'),
    },
  };
  app.get('/api/ready', { schema: readySchema }, async (_req, reply) => {
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
        apps.status === 'fulfilled'
          ? apps.value[w]! > 0
            ? ('up' as const)
            : ('missing' as const)
          : ('unknown' as const),
      ]),
    );
    const body = {
      postgres: pg.status === 'fulfilled' ? ('up' as const) : ('down' as const),
      redis: rd.status === 'fulfilled' ? ('up' as const) : ('down' as const),
      workers,
    };
    const ready = body.postgres === 'up' && body.redis === 'up';
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? ('ready' as const) : ('not ready' as const), ...body });
  });
  const metricsSchema = {
    ...doc({ summary: 'Prometheus metrics (text exposition format)', tags: ['health'], auth: 'public' }),
    response: { 200: textBody('the metrics', 'text/plain') },
  };
  app.get('/metrics', { schema: metricsSchema }, async (_req, reply) => {
    const source = metrics ?? registry;
    reply.header('content-type', source.contentType);
    return source.metrics();
  });
}
