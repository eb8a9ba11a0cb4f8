import { HttpClient, RetryableError } from '@cauce/runtime';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildSim, type SimContext } from '../src/server.ts';

let app: FastifyInstance;
let ctx: SimContext;
let base: string;

beforeAll(async () => {
  ({ app, ctx } = await buildSim());
  // A stand-in provider route; real providers register theirs the same way.
  app.get('/fake/items', async () => ({ items: [1] }));
  app.post('/fake/orders', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(() => app.close());
beforeEach(async () => {
  await fetch(`${base}/__sim/reset`, { method: 'POST' });
});

const setFaults = (rules: unknown[]) =>
  fetch(`${base}/__sim/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rules),
  });

describe('provider-sim fault injection', () => {
  it('scripts failures for the next requests of one route only', async () => {
    await setFaults([{ route: '^GET /fake/items$', failNext: [500, 503] }]);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${base}/fake/items`)).status);
    expect(statuses).toEqual([500, 503, 200]);
    expect((await fetch(`${base}/fake/orders`, { method: 'POST' })).status).toBe(200);
  });

  it('answers 429 bursts with Retry-After, and our client rides them out', async () => {
    await setFaults([{ route: '/fake/items', burst429: 2, retryAfterSeconds: 0.05 }]);
    const first = await fetch(`${base}/fake/items`);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('0.05');
    const client = new HttpClient({ provider: 'fake', baseUrl: base, retries: 3 });
    const res = await client.get<{ items: number[] }>('/fake/items');
    expect(res.body.items).toEqual([1]);
    expect(ctx.calls.count('GET /fake/items')).toBe(3);
  });

  it('a rate-limit window answers 429 with the seconds left, then lets requests through', async () => {
    await setFaults([{ route: '^GET /fake/items$', rateLimitWindowSeconds: 0.5 }]);
    const first = await fetch(`${base}/fake/items`);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('1');
    expect((await fetch(`${base}/fake/orders`, { method: 'POST' })).status).toBe(200);
    await expect.poll(async () => (await fetch(`${base}/fake/items`)).status, { timeout: 5_000 }).toBe(200);
  });

  it('adds latency', async () => {
    await setFaults([{ latencyMs: 150 }]);
    const t = Date.now();
    await fetch(`${base}/fake/items`);
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
  });

  it('fails a configured share of requests', async () => {
    await setFaults([{ errorRate: 1, errorStatus: 502 }]);
    expect((await fetch(`${base}/fake/items`)).status).toBe(502);
    await setFaults([{ errorRate: 0.5 }]);
    const statuses = await Promise.all(
      Array.from({ length: 200 }, () => fetch(`${base}/fake/items`).then((r) => r.status)),
    );
    const failed = statuses.filter((s) => s === 500).length;
    expect(failed).toBeGreaterThan(50);
    expect(failed).toBeLessThan(150);
  });

  it('can hang so clients must time out', async () => {
    await setFaults([{ route: '/fake/items', hang: true }]);
    const client = new HttpClient({ provider: 'fake', baseUrl: base, retries: 0, timeoutMs: 200 });
    await expect(client.get('/fake/items')).rejects.toBeInstanceOf(RetryableError);
  });

  it('rejects invalid fault rules with 4xx, and lists and clears them', async () => {
    const bad = await setFaults([{ errorRate: 2 }]);
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    await setFaults([{ route: 'x', latencyMs: 1 }]);
    expect(await (await fetch(`${base}/__sim/faults`)).json()).toMatchObject([{ route: 'x', latencyMs: 1 }]);
    await fetch(`${base}/__sim/faults`, { method: 'DELETE' });
    expect(await (await fetch(`${base}/__sim/faults`)).json()).toEqual([]);
  });

  it('counts calls per route', async () => {
    await fetch(`${base}/fake/items`);
    await fetch(`${base}/fake/items?page=2`);
    const calls = (await (await fetch(`${base}/__sim/calls`)).json()) as Record<string, number>;
    expect(calls['GET /fake/items']).toBe(2);
  });
});
