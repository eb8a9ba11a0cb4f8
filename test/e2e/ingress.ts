import { buildIngress } from '@cauce/ingress/app';
import { ingressEnv } from '@cauce/ingress/config';
import { createDeps } from '@cauce/ingress/deps';
import { mintToken } from '@cauce/ingress/plugins/auth';
import { parseConfig } from '@cauce/runtime';
import type { TestEnv } from '@cauce/testkit';

/** The first admin's password (CAUCE_ADMIN_PASSWORD): the pages log in as `admin` with it. */
export const ADMIN_PASSWORD = 'staging-admin-password';

/** The real ingress (in-process, on a loopback port) with an admin token and the first admin user. */
export async function startIngress(env: TestEnv, overrides: Record<string, string> = {}) {
  const config = parseConfig(ingressEnv, {
    ...env.env,
    JWT_SECRET: 'x'.repeat(40),
    PORT: '0',
    CAUCE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ...overrides,
  });
  const deps = await createDeps(config);
  const app = await buildIngress(deps);
  await app.listen({ port: 0, host: '127.0.0.1' });
  await app.firstAdmin;
  const addr = app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const token = mintToken(app, 'test-admin', 'admin');
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: API JSON, asserted field by field
    return { status: res.status, body: (await res.json()) as any };
  };
  return {
    base,
    token,
    api,
    deps,
    async close() {
      await app.close();
      await deps.close();
    },
  };
}
