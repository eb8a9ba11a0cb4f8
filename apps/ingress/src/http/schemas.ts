import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler as zodValidatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

/**
 * The pieces every route schema is made of (plugins/openapi.ts sets zod as the validator and the
 * serializer, and the same schemas are the OpenAPI document). A route declares:
 *
 *   app.withTypeProvider<ZodTypeProvider>().get('/api/x/:id', {
 *     preValidation: app.requireRole('viewer'),
 *     schema: {
 *       ...doc({ summary: 'One x', tags: ['admin'], auth: 'viewer' }),
 *       params: z.object({ id: numericId }),
 *       response: { 200: xView.describe('the x'), ...errors({ 404: 'no such x' }), ...AUTH },
 *     },
 *   }, async (req) => ...);
 *
 * Invalid input never reaches the handler: plugins/error-replies.ts answers 400
 * `{error: 'bad_request', message, issues}`.
 */

/** Who may call a route: an admin JWT role, the orders API key, a provider's credential, or anyone. */
export type Access = 'admin' | 'viewer' | 'apiKey' | 'webhook' | 'public';

const SECURITY: Record<Access, Array<Record<string, string[]>> | undefined> = {
  admin: [{ bearerAuth: [] }, { cookieAuth: [] }],
  viewer: [{ bearerAuth: [] }, { cookieAuth: [] }],
  apiKey: [{ apiKey: [] }],
  webhook: [],
  public: [],
};
const ACCESS_NOTE: Partial<Record<Access, string>> = {
  admin: 'Needs an admin token.',
  viewer: 'Needs a viewer or admin token.',
  webhook: "Authenticated with the provider's signature or secret (see docs/webhooks.md).",
};

/** The documentation part of a route schema: summary, description (with who may call it), tags, security. */
export function doc(d: { summary: string; description?: string; tags: string[]; auth: Access }) {
  const description = [d.description, ACCESS_NOTE[d.auth]].filter(Boolean).join('\n\n');
  return {
    summary: d.summary,
    ...(description ? { description } : {}),
    tags: d.tags,
    ...(SECURITY[d.auth] ? { security: SECURITY[d.auth] } : {}),
  };
}

/** Every 4xx/5xx body (plugins/error-replies.ts fills `message`); extra fields pass through. */
export const errorReply = z.looseObject({ error: z.string(), message: z.string() });
export const issue = z.object({ path: z.string(), message: z.string() });
/** A validation failure: `issues` names each path and what is wrong with it. */
export const badRequestReply = z.looseObject({
  error: z.string(),
  message: z.string(),
  issues: z.array(issue).optional(),
});

/** Error responses by status: `errors({404: 'no such order'})` (400 with its issues). */
export const errors = <const S extends Record<number, string>>(byStatus: S) =>
  Object.fromEntries(
    Object.entries(byStatus).map(([status, description]) => [
      status,
      (status === '400' ? badRequestReply : errorReply).describe(description),
    ]),
  ) as { [K in keyof S]: K extends 400 ? typeof badRequestReply : typeof errorReply };

/** 400/401/403 of a route behind requireRole. */
export const AUTH = errors({
  400: 'invalid input (each path and message in issues)',
  401: 'missing or invalid token',
  403: 'the token lacks the role',
});
/** 400/401 of a viewer route (every token with a known role passes). */
export const VIEWER_AUTH = errors({
  400: 'invalid input (each path and message in issues)',
  401: 'missing or invalid token',
});
/** A response with no body (redirects, 204). */
export const noBody = (description: string) => z.null().describe(description);
/** A non-JSON response (HTML page, Prometheus text): documented by media type, sent as is. */
export const textBody = (description: string, mediaType: string) => ({
  description,
  content: { [mediaType]: { schema: z.string() } },
});

/** A numeric id as it appears in a path (bigint ids travel as strings). */
export const numericId = z.string().regex(/^\d{1,19}$/, 'a numeric id');
/** A stored time, as Prisma returns it (JSON: an ISO 8601 string). */
export const storedTime = z.date();

/**
 * Fastify passes `null` for a missing body; the zod schemas see `undefined`, as the routes'
 * own parsing did (so a body that may be omitted is `.optional()` or `.prefault({})`).
 */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> = (route) => {
  const validate = zodValidatorCompiler(route);
  return route.httpPart === 'body' ? (data) => validate(data === null ? undefined : data) : validate;
};

/**
 * For routes that check their input themselves after authenticating it (webhooks: the
 * signature is over the raw bytes): the schema documents the input, Fastify does not validate it.
 */
export const documentationOnly: FastifySchemaCompiler<unknown> = () => () => true;
