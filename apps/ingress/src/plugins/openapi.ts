import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { ROUTE_DOCS } from '../openapi/route-docs.ts';
import { AUTH_COOKIE } from './auth.ts';

/**
 * How a route is documented. Routes keep validating themselves with zod's safeParse (their 400
 * bodies list each path and message); these schemas only feed the OpenAPI document, so a route
 * carrying them gets no Fastify validation or response serialization of its own.
 */
export interface RouteDocs {
  summary: string;
  description?: string;
  tags: string[];
  /** Who may call it: an admin JWT role, the orders API key, a provider's webhook credential, or anyone. */
  auth: 'admin' | 'viewer' | 'apiKey' | 'webhook' | 'public';
  params?: z.ZodType;
  querystring?: z.ZodType;
  body?: z.ZodType;
  headers?: z.ZodType;
  consumes?: string[];
  produces?: string[];
  responses?: Record<number, { description: string; schema?: z.ZodType }>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** OpenAPI documentation of the route (documentation only: see RouteDocs). */
    openapi?: RouteDocs;
  }
}

type JsonSchema = Record<string, unknown>;

/** zod -> JSON Schema (2020-12, what OpenAPI 3.1 uses); transforms and refinements document their input. */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return json;
}

const SECURITY: Record<RouteDocs['auth'], Array<Record<string, string[]>> | undefined> = {
  admin: [{ bearerAuth: [] }, { cookieAuth: [] }],
  viewer: [{ bearerAuth: [] }, { cookieAuth: [] }],
  apiKey: [{ apiKey: [] }],
  webhook: [],
  public: [],
};

export function routeSchema(docs: RouteDocs): Record<string, unknown> {
  const roleNote =
    docs.auth === 'admin'
      ? 'Needs an admin token.'
      : docs.auth === 'viewer'
        ? 'Needs a viewer or admin token.'
        : docs.auth === 'webhook'
          ? "Authenticated with the provider's signature or secret (see docs/webhooks.md)."
          : '';
  const response: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(docs.responses ?? {})) {
    response[status] = r.schema
      ? { description: r.description, ...toJsonSchema(r.schema, 'output') }
      : { description: r.description, type: 'null' };
  }
  return {
    summary: docs.summary,
    description: [docs.description, roleNote].filter(Boolean).join('\n\n') || undefined,
    tags: docs.tags,
    ...(SECURITY[docs.auth] ? { security: SECURITY[docs.auth] } : {}),
    ...(docs.params ? { params: toJsonSchema(docs.params, 'input') } : {}),
    ...(docs.querystring ? { querystring: toJsonSchema(docs.querystring, 'input') } : {}),
    ...(docs.body ? { body: toJsonSchema(docs.body, 'input') } : {}),
    ...(docs.headers ? { headers: toJsonSchema(docs.headers, 'input') } : {}),
    ...(docs.consumes ? { consumes: docs.consumes } : {}),
    ...(docs.produces ? { produces: docs.produces } : {}),
    ...(Object.keys(response).length ? { response } : {}),
  };
}

const isZod = (v: unknown): v is z.ZodType => typeof v === 'object' && v !== null && '_zod' in v;

/**
 * For routes that validate with zod through Fastify (fastify-type-provider-zod style: zod objects
 * in `schema`), converts those zod schemas for the document; JSON schemas pass through unchanged.
 */
export function zodAwareTransform({ schema, url }: { schema: FastifySchema; url: string }) {
  if (!schema) return { schema, url };
  const out: Record<string, unknown> = { ...schema };
  for (const part of ['body', 'querystring', 'params', 'headers'] as const) {
    const v = out[part];
    if (isZod(v)) out[part] = toJsonSchema(v, 'input');
  }
  if (out.response && typeof out.response === 'object') {
    out.response = Object.fromEntries(
      Object.entries(out.response).map(([status, v]) => [status, isZod(v) ? toJsonSchema(v, 'output') : v]),
    );
  }
  return { schema: out as FastifySchema, url };
}

const methods = (m: RouteOptions['method']) =>
  (Array.isArray(m) ? m : [m]).map((x) => String(x).toUpperCase());

/**
 * OpenAPI document at /docs/json and Swagger UI at /docs. Register before the routes: the
 * onRoute hook attaches each route's docs (its `config.openapi`, or ROUTE_DOCS for routes that
 * live in files this plugin does not own) as a documentation-only schema.
 */
export const openapiPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('onRoute', (route) => {
    if (route.schema) return; // a route with its own schema (or hidden, like Bull Board's) is left as is
    const docs =
      route.config?.openapi ??
      methods(route.method)
        .map((m) => ROUTE_DOCS[`${m} ${route.url}`])
        .find(Boolean);
    if (!docs) return;
    route.schema = routeSchema(docs);
    route.validatorCompiler = () => () => true;
    route.serializerCompiler = () => (data) => JSON.stringify(data);
  });
  await app.register(fastifySwagger, {
    transform: zodAwareTransform,
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Cauce ingress',
        version: '1.0.0',
        description:
          'Webhook intake, order intake and the operator API. Admin tokens: `npm run --silent token -- --role admin|viewer --sub NAME`.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          cookieAuth: { type: 'apiKey', in: 'cookie', name: AUTH_COOKIE },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        },
      },
      tags: [
        { name: 'admin', description: 'Queues, webhook logs, dead letters and replays' },
        { name: 'auth', description: 'Login (user name and password) and logout for the pages, who am I' },
        { name: 'users', description: "Operators' users: add, disable, enable, passwords (admin)" },
        { name: 'webhooks', description: 'Provider webhooks' },
        { name: 'orders', description: 'Order intake and its operator views' },
        { name: 'stock', description: 'SIIGO stock' },
        { name: 'health', description: 'Liveness, readiness and metrics' },
      ],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
});
