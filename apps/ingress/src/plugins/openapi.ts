import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, serializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { validatorCompiler } from '../http/schemas.ts';
import { ROUTE_DOCS } from '../openapi/route-docs.ts';

/** @deprecated transitional: routes not yet declaring a zod `schema`. */
export interface RouteDocs {
  summary: string;
  description?: string;
  tags: string[];
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
    openapi?: RouteDocs;
  }
}

type JsonSchema = Record<string, unknown>;

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
  const response: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(docs.responses ?? {})) {
    response[status] = r.schema
      ? { description: r.description, ...toJsonSchema(r.schema, 'output') }
      : { description: r.description, type: 'null' };
  }
  return {
    summary: docs.summary,
    description: docs.description,
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
const hasZod = (schema: FastifySchema) =>
  [schema.body, schema.querystring, schema.params, schema.headers].some(isZod) ||
  Object.values((schema.response as object | undefined) ?? {}).some(
    (r) => isZod(r) || (typeof r === 'object' && r !== null && 'content' in r),
  );

const methods = (m: RouteOptions['method']) =>
  (Array.isArray(m) ? m : [m]).map((x) => String(x).toUpperCase());

/**
 * Route schemas are zod (fastify-type-provider-zod): the validator, the serializer (a response
 * is checked and stripped to its schema) and, through jsonSchemaTransform, the OpenAPI document
 * at /docs/json with Swagger UI at /docs. Registered before the routes, at the root.
 */
export const openapiPlugin = fp(async (app: FastifyInstance) => {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRoute', (route) => {
    if (route.schema) return;
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
    transform: (document) =>
      document.schema && !hasZod(document.schema) && !document.schema.hide
        ? { schema: document.schema, url: document.url }
        : jsonSchemaTransform(document),
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
          cookieAuth: { type: 'apiKey', in: 'cookie', name: 'cauce_token' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        },
      },
      tags: [
        { name: 'admin', description: 'Queues, webhook logs, dead letters and replays' },
        { name: 'auth', description: 'Browser login for Bull Board and the admin pages' },
        { name: 'webhooks', description: 'Provider webhooks' },
        { name: 'orders', description: 'Order intake and its operator views' },
        { name: 'stock', description: 'SIIGO stock' },
        { name: 'sync', description: 'Staging: syncs, unify, conflicts and identity decisions' },
        { name: 'whatsapp', description: 'WhatsApp numbers and their CRM queues' },
        { name: 'health', description: 'Liveness, readiness and metrics' },
      ],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
});
