import Fastify, { type FastifyInstance } from 'fastify';
import type { MetricsSource } from './metrics.ts';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  [key: string]: unknown;
}

/**
 * The small HTTP server each worker runs for Prometheus (/metrics) and orchestrators (/health);
 * the all-in-one process runs one for every worker role.
 */
export async function startHealthServer(opts: {
  registry: MetricsSource;
  health: () => Promise<HealthReport> | HealthReport;
  port: number;
  host: string;
}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', opts.registry.contentType);
    return opts.registry.metrics();
  });
  app.get('/health', async (_req, reply) => {
    const report = await opts.health();
    reply.code(report.status === 'down' ? 503 : 200);
    return report;
  });
  await app.listen({ port: opts.port, host: opts.host });
  return app;
}
