import { SIIGO_SIM_CREDENTIALS } from '@cauce/provider-sim/providers/siigo';
import { buildSim } from '@cauce/provider-sim/server';
import { createRedis, PermanentError } from '@cauce/runtime';
import { setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siigo } from '../src/index.ts';

const env = await setupTestEnv();
const redis = createRedis(env.redisUrl);
let sim: Awaited<ReturnType<typeof buildSim>>['app'];
let base: string;
const clients: siigo.SiigoClient[] = [];
type SiigoError = { Errors: Array<{ Code: string }> };

beforeAll(async () => {
  ({ app: sim } = await buildSim());
  await sim.listen({ port: 0, host: '127.0.0.1' });
  const addr = sim.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  await post('/__sim/siigo/products', { count: 120 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim.close();
  redis.disconnect();
});

async function post(path: string, body: unknown, method = 'POST') {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.json() as Promise<unknown>;
}
const calls = async () => (await (await fetch(`${base}/__sim/calls`)).json()) as Record<string, number>;
const resetCalls = () => fetch(`${base}/__sim/calls`, { method: 'DELETE' });

function client(keyPrefix = env.prefix, extra: Partial<siigo.SiigoClientOptions> = {}) {
  const c = new siigo.SiigoClient({
    baseUrl: `${base}/siigo`,
    username: SIIGO_SIM_CREDENTIALS.username,
    accessKey: SIIGO_SIM_CREDENTIALS.accessKey,
    partnerId: 'CauceTest',
    redis,
    keyPrefix,
    retries: 0,
    ...extra,
  });
  clients.push(c);
  return c;
}

describe('SIIGO client', () => {
  it('two replicas share one token from Redis: one POST /auth for both', async () => {
    await resetCalls();
    const [a, b] = [client(`${env.prefix}:shared`), client(`${env.prefix}:shared`)];
    const id = (await a.listProducts(1, 1)).results[0]!.id;
    await Promise.all([...Array(5)].flatMap(() => [a.getProduct(id), b.getProduct(id)]));
    expect((await calls())['POST /siigo/auth']).toBe(1);
  });

  it('renews the token before it expires, without waiting for a 401', async () => {
    await post('/__sim/siigo/config', { tokenTtlSeconds: 2 }, 'PUT');
    try {
      const c = client(`${env.prefix}:ttl`, { tokenRefreshMarginMs: 1500 });
      const statuses: number[] = [];
      const watched = client(`${env.prefix}:ttl`, {
        tokenRefreshMarginMs: 1500,
        onCall: (x) => statuses.push(x.status),
      });
      await resetCalls();
      await c.listProducts(1, 1);
      await new Promise((r) => setTimeout(r, 1100)); // past renewAt (2 s - 1.5 s, at least half the life)
      await watched.listProducts(1, 1);
      expect((await calls())['POST /siigo/auth']).toBe(2);
      expect(statuses.filter((s) => s === 401)).toEqual([]);
    } finally {
      await post('/__sim/siigo/config', { tokenTtlSeconds: 86_400 }, 'PUT');
    }
  });

  it('pages through the whole catalogue, newest first, with SIIGO envelope', async () => {
    const seen: string[] = [];
    let pages = 0;
    for await (const page of client().productPages(50)) {
      pages++;
      expect(page.pagination.total_results).toBe(120);
      seen.push(...page.results.map((p) => p.id));
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(120);
    expect(await client().getProduct('no-such-product')).toBeNull();
  });

  it('Partner-Id must be alphanumeric: the client refuses a hyphen and so does SIIGO', async () => {
    expect(() => client(env.prefix, { partnerId: 'mi-app' })).toThrow(PermanentError);
    const bad = await fetch(`${base}/siigo/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'partner-id': 'mi-app' },
      body: JSON.stringify({ username: 'x', access_key: 'y' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as SiigoError).Errors[0]!.Code).toBe('invalid_partner_id');
    const missing = await fetch(`${base}/siigo/v1/products`);
    expect(((await missing.json()) as SiigoError).Errors[0]!.Code).toBe('header_required');
  });

  it('wrong credentials are a permanent error, not retried', async () => {
    const c = client(`${env.prefix}:bad`, { accessKey: 'wrong' });
    await expect(c.listProducts(1, 1)).rejects.toBeInstanceOf(PermanentError);
  });
});
