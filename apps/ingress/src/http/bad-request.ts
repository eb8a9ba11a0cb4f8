import type { FastifyReply } from 'fastify';
import type { z } from 'zod';

/** Each zod issue as `{path, message}`; `root` names an issue about the whole value. */
export const zodIssues = (error: z.ZodError, root = '') =>
  error.issues.map((i) => ({ path: i.path.join('.') || root, message: i.message }));

/** 400 `{error: 'bad_request', issues}`: the one answer for invalid query, params or body. */
export function badRequest(reply: FastifyReply, error: z.ZodError) {
  return reply.code(400).send({ error: 'bad_request', issues: zodIssues(error) });
}
