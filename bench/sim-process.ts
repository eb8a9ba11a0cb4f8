/**
 * What the benches share: where PostgreSQL and Redis are, and provider-sim started as its own
 * process (as in production the providers are other machines) with a small JSON helper for its
 * control routes.
 */
import { freePort, startApp } from '../packages/testkit/src/process.ts';

export const adminUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function startSimProcess(env: Record<string, string> = {}) {
  const port = await freePort();
  const app = await startApp(
    'apps/provider-sim/src/main.ts',
    { SIM_PORT: String(port), SIM_HOST: '127.0.0.1', ...env },
    { readyUrl: `http://127.0.0.1:${port}/__sim/health` },
  );
  const base = `http://127.0.0.1:${port}`;
  /** A control call (`/__sim/…`); throws on a non-2xx answer. */
  const json = async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return res.json() as Promise<T>;
  };
  return { app, base, json };
}
