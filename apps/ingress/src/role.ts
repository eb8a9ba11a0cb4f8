import { loadConfig, type MetricsSource, type StartRole } from '@cauce/runtime';
import type { FastifyInstance } from 'fastify';
import { buildIngress } from './app.ts';
import { type IngressConfig, ingressEnv } from './config.ts';
import { createDeps } from './deps.ts';

export interface RunningIngress {
  app: FastifyInstance;
  deps: Awaited<ReturnType<typeof createDeps>>;
  /** Stops accepting, lets in-flight requests finish, then closes its connections. */
  close(): Promise<void>;
}

/**
 * Builds the ingress and listens on PORT. Alone (main.ts) it exports its own process metrics;
 * embedded (`metrics` given, apps/all) its /metrics serves the whole process's.
 */
export async function startIngress(
  config: IngressConfig,
  { metrics }: { metrics?: MetricsSource } = {},
): Promise<RunningIngress> {
  const deps = await createDeps(config, { processMetrics: !metrics });
  const app = await buildIngress({ ...deps, metrics });
  try {
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (err) {
    await app.close();
    await deps.close();
    throw err;
  }
  return {
    app,
    deps,
    async close() {
      await app.close();
      await deps.close();
    },
  };
}

/** The ingress inside a process that hosts several roles (apps/all). */
export const startRole: StartRole = async ({ env, metrics }) => {
  const ingress = await startIngress(loadConfig(ingressEnv, env), { metrics });
  return { name: 'ingress', registry: ingress.deps.registry, close: ingress.close };
};
