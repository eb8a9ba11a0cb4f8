import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { issuesMessage } from '../http/bad-request.ts';

/**
 * Every 4xx answer is JSON `{error, message}` (plus `issues` for validation errors), whoever
 * produced it: Fastify itself (body limit, content type, malformed JSON), a content-type parser
 * (encoding) or a route. Registered once at the root, before the routes.
 */

/** The `error` code of Fastify's own errors, by code, then by status. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_VALIDATION: 'bad_request',
};
const BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'body_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
};

const isCode = (c: unknown): c is string => typeof c === 'string' && /^[a-z][a-z0-9_]*$/.test(c);

function errorCode(err: FastifyError, status: number): string {
  if (isCode(err.code)) return err.code; // ours (e.g. BodyEncodingError)
  if (err.code && FASTIFY_CODES[err.code]) return FASTIFY_CODES[err.code]!;
  if (status === 400 && err instanceof SyntaxError) return 'invalid_json';
  return BY_STATUS[status] ?? 'client_error';
}

/** A message from a code alone ("not_found" -> "not found"), for routes that sent none. */
const fromCode = (code: string) => code.replace(/_/g, ' ');

export const errorRepliesPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      // An unexpected error's text may carry internals (SQL, hosts): only a deliberate 5xx says why.
      return err.statusCode
        ? reply.code(status).send({ error: 'unavailable', message: err.message || 'unavailable' })
        : reply.code(500).send({ error: 'internal_error', message: 'internal server error' });
    }
    const error = errorCode(err, status);
    // A route schema refused the input (zod, through fastify-type-provider-zod): each issue's
    // path in the query, params, body or headers, and one message naming them all.
    const issues = err.validation?.map((v) => ({
      path: v.instancePath.replace(/^\//, '').replace(/\//g, '.'),
      message: v.message ?? 'invalid',
    }));
    const message = issues ? issuesMessage(issues) : err.message || fromCode(error);
    return reply.code(status).send({ error, message, ...(issues ? { issues } : {}) });
  });

  // Routes answering a 4xx with only `error` (or neither) still meet the contract.
  app.addHook('preSerialization', async (_req, reply, payload) => {
    if (reply.statusCode < 400 || reply.statusCode >= 500) return payload;
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return payload;
    const body = payload as Record<string, unknown>;
    if (typeof body.error === 'string' && body.error && typeof body.message === 'string' && body.message)
      return payload;
    const error =
      typeof body.error === 'string' && body.error
        ? body.error
        : (BY_STATUS[reply.statusCode] ?? 'client_error');
    return { ...body, error, message: fromCode(error) };
  });
});
