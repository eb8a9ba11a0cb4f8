import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { redact } from '../admin/redact.ts';

/**
 * The one place viewers' answers are masked: every JSON answer to a request whose verified role
 * is viewer (admin API, pages' APIs, Bull Board's API) goes through redact() before it is
 * serialised, whatever route produced it. Routes return data as stored and never redact
 * themselves, so a new route cannot forget to. Register it before the routes.
 *
 * Answers that are not serialised objects (HTML pages, the SSE stream, static assets) carry no
 * stored data.
 */
export const viewerViewPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('preSerialization', async (req, _reply, payload) =>
    req.access === 'viewer' ? redact(payload) : payload,
  );
});
