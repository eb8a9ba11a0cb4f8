import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { IngressDeps } from './context.ts';
import { authPlugin } from './plugins/auth.ts';
import { healthRoutes } from './routes/health.ts';

/**
 * Route plugins, each `(app, deps) => Promise<void>` in src/routes/. Issues add theirs here;
 * keep this list the only place the ingress learns about a feature.
 */
const ROUTES: Array<(app: FastifyInstance, deps: IngressDeps) => Promise<void>> = [healthRoutes];

/** Builds the ingress without listening (tests call this; main.ts adds listen and shutdown). */
export async function buildIngress(deps: IngressDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    trustProxy: deps.config.TRUST_PROXY,
  });
  await app.register(authPlugin, { secret: deps.config.JWT_SECRET });
  for (const routes of ROUTES) await app.register(async (scope) => routes(scope, deps));
  return app;
}
