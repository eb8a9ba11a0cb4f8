import { buildIngress } from '@cauce/ingress/app';
import { ingressEnv } from '@cauce/ingress/config';
import { createDeps } from '@cauce/ingress/deps';
import { mintToken } from '@cauce/ingress/plugins/auth';
import { parseConfig } from '@cauce/runtime';
import { bearerFetch, freePort, type TestEnv } from '@cauce/testkit';

/** The first admin's password (CAUCE_ADMIN_PASSWORD): the pages log in as `admin` with it. */
export const ADMIN_PASSWORD = 'staging-admin-password';

/**
 * The real ingress (in-process, on a loopback port) with an admin token and the first admin user.
 * `overrides` may be a function of the ingress's base URL, for variables that name it
 * (WEBHOOK_BASE_URL).
 */
export async function startIngress(
  env: TestEnv,
  overrides: Record<string, string> | ((base: string) => Record<string, string>) = {},
) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = parseConfig(ingressEnv, {
    ...env.env,
    JWT_SECRET: 'x'.repeat(40),
    PORT: String(port),
    CAUCE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ...(typeof overrides === 'function' ? overrides(base) : overrides),
  });
  const deps = await createDeps(config);
  const app = await buildIngress(deps);
  await app.listen({ port, host: '127.0.0.1' });
  await app.firstAdmin;
  const token = mintToken(app, 'test-admin', 'admin');
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await bearerFetch(base, method, path, token, body);
    // biome-ignore lint/suspicious/noExplicitAny: API JSON, asserted field by field
    return { status: res.status, body: JSON.parse(res.text) as any };
  };
  return {
    app,
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
