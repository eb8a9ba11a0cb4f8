import type { FastifyInstance } from 'fastify';
import type { IngressDeps } from '../context.ts';

/** /api/health: the process is alive. /api/ready: PostgreSQL and Redis answer. /metrics: Prometheus. */
export async function healthRoutes(app: FastifyInstance, { db, redis, registry }: IngressDeps) {
  app.get('/api/health', async () => ({ status: 'ok', uptime: process.uptime() }));
  app.get('/api/ready', async (_req, reply) => {
    const [pg, rd] = await Promise.allSettled([
      db.$queryRaw`SELECT 1`,
      redis.status === 'ready' ? redis.ping() : Promise.reject(new Error(redis.status)),
    ]);
    const body = {
      postgres: pg.status === 'fulfilled' ? 'up' : 'down',
      redis: rd.status === 'fulfilled' ? 'up' : 'down',
    };
    const ready = body.postgres === 'up' && body.redis === 'up';
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', ...body });
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
