import { createDatabase } from '@cauce/db';
import { Producer } from '@cauce/queues';
import { createLogger, createRedis, createRegistry, parseConfig } from '@cauce/runtime';
import { freePort, type TestEnv } from '@cauce/testkit';
import { buildIngress } from '../src/app.ts';
import { ingressEnv } from '../src/config.ts';
import { createDeps } from '../src/deps.ts';
import { mintToken } from '../src/plugins/auth.ts';
import type { UserRole } from '../src/users/accounts.ts';

export const JWT_SECRET = 'test-secret-0123456789-0123456789-abcdef';

export type Ingress = Awaited<ReturnType<typeof buildIngress>>;

/** The password every test user gets (meets the policy). */
export const TEST_PASSWORD = 'correct horse battery';

/**
 * A browser session for `name` (created with `role` and TEST_PASSWORD if it does not exist):
 * the value of the session cookie, as the login form would set it. Opened directly, so the
 * login rate limits of the file under test are not spent on it.
 */
export async function sessionCookie(app: Ingress, name: string, role: UserRole = 'admin'): Promise<string> {
  await app.ready();
  const accounts = app.accounts!;
  const user =
    (await accounts.find(name)) ??
    (await accounts.add({ name, role, password: TEST_PASSWORD }, 'test').then(() => accounts.find(name)));
  return (await accounts.openSession(user!)).cookie;
}

/** An in-process ingress on this file's database and queue prefix, with an admin and a viewer token. */
export async function startIngress(env: TestEnv, extra: Record<string, string> = {}) {
  const deps = await createDeps(parseConfig(ingressEnv, { ...env.env, JWT_SECRET, ...extra }));
  const app = await buildIngress(deps);
  return {
    app,
    deps,
    admin: mintToken(app, 'ana-admin', 'admin'),
    viewer: mintToken(app, 'victor-viewer', 'viewer'),
    async close() {
      await app.close();
      await deps.close();
    },
  };
}

/**
 * An ingress whose Redis is a closed port (Redis down from the start): its connection queues
 * commands and never answers, which is what an outage looks like to the routes.
 */
export async function startIngressWithoutRedis(env: TestEnv, extra: Record<string, string> = {}) {
  const dead = `redis://127.0.0.1:${await freePort()}`;
  const config = parseConfig(ingressEnv, { ...env.env, JWT_SECRET, REDIS_URL: dead, ...extra });
  const redis = createRedis(dead);
  redis.on('error', () => {});
  const database = createDatabase(env.databaseUrl, { max: 2 });
  const { db, pool } = database;
  const producer = new Producer(redis, config.QUEUE_PREFIX);
  const app = await buildIngress({
    config,
    db,
    pool,
    redis,
    producer,
    log: createLogger('ingress-test', 'silent'),
    registry: createRegistry('ingress-test'),
  });
  return {
    app,
    admin: mintToken(app, 'ana-admin', 'admin'),
    async close() {
      await app.close();
      await database.close();
      redis.disconnect();
    },
  };
}

export type InjectResult = {
  status: number;
  headers: Record<string, unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers field by field
  body: any;
};

/** One request through Fastify's inject; `body` is parsed JSON when the answer is JSON. */
export async function call(
  app: Ingress,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH',
  url: string,
  token: string | null,
  payload?: unknown,
): Promise<InjectResult> {
  const res = await app.inject({
    method,
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  const isJson = String(res.headers['content-type'] ?? '').includes('json');
  return { status: res.statusCode, headers: res.headers, body: isJson ? res.json() : res.body };
}
