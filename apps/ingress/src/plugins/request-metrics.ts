import { Histogram, type Registry, registered } from '@cauce/runtime';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * `http_request_duration_seconds{route,method,status_code}` for every request. The label is the
 * route pattern (`/api/webhooks/siigo/:token`), never the URL: bounded cardinality, no secrets.
 */
export const requestMetricsPlugin = fp(async (app: FastifyInstance, opts: { registry: Registry }) => {
  const histogram = registered(
    opts.registry,
    'http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'http_request_duration_seconds',
        help: 'Ingress request duration by route pattern, method and status code',
        labelNames: ['route', 'method', 'status_code'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [opts.registry],
      }),
  );
  app.addHook('onResponse', async (req, reply) => {
    histogram.observe(
      {
        route: req.routeOptions.url ?? 'unmatched',
        method: req.method,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
});
