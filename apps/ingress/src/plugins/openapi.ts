import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, serializerCompiler } from 'fastify-type-provider-zod';
import { validatorCompiler } from '../http/schemas.ts';
import { AUTH_COOKIE } from './auth.ts';

/**
 * Route schemas are zod (fastify-type-provider-zod): the validator, the serializer (a response
 * is checked and stripped to its schema) and, through jsonSchemaTransform, the OpenAPI document
 * at /docs/json with Swagger UI at /docs. Registered before the routes, at the root. How a route
 * declares its schema: http/schemas.ts; test/openapi-coverage.test.ts fails for a route without one.
 */
export const openapiPlugin = fp(async (app: FastifyInstance) => {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(fastifySwagger, {
    // Routes declare no schema of their own in JSON Schema: Bull Board's and Swagger UI's are hidden.
    transform: jsonSchemaTransform,
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
        { name: 'sync', description: 'Staging: syncs, unify, conflicts and identity decisions' },
        { name: 'whatsapp', description: 'WhatsApp numbers and their CRM queues' },
        { name: 'health', description: 'Liveness, readiness and metrics' },
      ],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
});
