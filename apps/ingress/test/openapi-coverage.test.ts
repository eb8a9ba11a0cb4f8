import { setupTestEnv } from '@cauce/testkit';
import Fastify from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openapiPlugin } from '../src/plugins/openapi.ts';
import { BOARD_PATH } from '../src/routes/admin/bull-board.ts';
import { startIngress } from './support.ts';

/**
 * Every route the ingress registers is in the OpenAPI document with its method, its path and a
 * response schema (the same zod schema that validates and serialises it). A route added without
 * a schema fails here. The only routes left out are listed below, each with why.
 */
const EXCLUDED: ReadonlyArray<{ route: (method: string, url: string) => boolean; why: string }> = [
  {
    route: (_m, url) => url === BOARD_PATH || url.startsWith(`${BOARD_PATH}/`),
    why: "Bull Board's own page, JSON API and static assets: its adapter registers them hidden and they are the board's internals, not our API (bull-board.ts guards them)",
  },
  {
    route: (_m, url) => url === '/docs' || url.startsWith('/docs/'),
    why: 'Swagger UI itself: the document, its UI configuration and static assets',
  },
];

type Doc = {
  paths: Record<string, Record<string, { responses?: Record<string, { description?: string }> }>>;
};

/** What is missing from the document for each route (empty when every route is covered). */
function uncovered(routes: ReadonlyArray<{ method: string; url: string }>, doc: Doc): string[] {
  const gets = new Set(routes.filter((r) => r.method === 'GET').map((r) => r.url));
  const problems: string[] = [];
  for (const { method, url } of routes) {
    if (EXCLUDED.some((x) => x.route(method, url))) continue;
    // Fastify adds a HEAD route for every GET (exposeHeadRoutes); the GET is the one documented.
    if (method === 'HEAD' && gets.has(url)) continue;
    // @fastify/swagger writes a wildcard (the console's /admin/*) as {*}.
    const path = url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{*}');
    const op = doc.paths[path]?.[method.toLowerCase()];
    if (!op) {
      problems.push(`${method} ${url}: not in /docs/json`);
      continue;
    }
    // @fastify/swagger writes "Default Response" for a route that declares no response schema.
    const declared = Object.values(op.responses ?? {}).filter((r) => r.description !== 'Default Response');
    if (declared.length === 0) problems.push(`${method} ${url}: no response schema`);
  }
  return problems;
}

const env = await setupTestEnv();
let ingress: Awaited<ReturnType<typeof startIngress>>;
beforeAll(async () => {
  ingress = await startIngress(env);
});
afterAll(async () => {
  await ingress?.close();
});

describe('OpenAPI coverage', () => {
  it('documents every registered route with its method, path and a response schema', async () => {
    const res = await ingress.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const routes = ingress.app.registeredRoutes;
    expect(uncovered(routes, res.json() as Doc)).toEqual([]);
    const checked = routes.filter(
      (r) => r.method !== 'HEAD' && !EXCLUDED.some((x) => x.route(r.method, r.url)),
    );
    expect(checked.length).toBeGreaterThan(50);
  });

  it('reports a route registered without a schema, and one without a response schema', async () => {
    const app = Fastify();
    const routes: Array<{ method: string; url: string }> = [];
    app.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) routes.push({ method: String(method), url: r.url });
    });
    await app.register(openapiPlugin);
    const typed = app.withTypeProvider<ZodTypeProvider>();
    typed.get('/api/bare', async () => ({ ok: true }));
    typed.get('/api/input-only/:id', { schema: { params: z.object({ id: z.string() }) } }, async () => ({
      ok: true,
    }));
    typed.get(
      '/api/covered',
      { schema: { response: { 200: z.object({ ok: z.boolean() }).describe('fine') } } },
      async () => ({ ok: true }),
    );
    await app.ready();
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as Doc;
    expect(uncovered(routes, doc)).toEqual([
      'GET /api/bare: no response schema',
      'GET /api/input-only/:id: no response schema',
    ]);
    await app.close();
  });
});
