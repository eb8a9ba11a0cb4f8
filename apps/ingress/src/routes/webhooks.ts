import { type BoundWebhookSource, bindWebhookSources } from '@cauce/providers';
import { toJobId } from '@cauce/queues';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { IngressDeps } from '../context.ts';
import { issuesMessage, zodIssues } from '../http/bad-request.ts';
import { doc, documentationOnly, errors } from '../http/schemas.ts';
import { decodeUtf8Body } from '../http/utf8-body.ts';
import { dedupeKey } from '../webhooks/dedupe.ts';
import type { Accepted } from '../webhooks/intake.ts';
import { eventLabel } from '../webhooks/metrics.ts';
import { type EventRow, PayloadRejectedError } from '../webhooks/store.ts';

/** Headers worth keeping with an event (never authorization, signatures or tokens). */
const KEPT_HEADERS = ['user-agent', 'content-type', 'paypal-transmission-id', 'paypal-transmission-time'];
/** Deeper than any provider's payload; PostgreSQL's jsonb parser has its own, lower, limit. */
const MAX_DEPTH = 64;

/** Nesting depth of a parsed JSON value, without recursion (hostile payloads nest deeply). */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > MAX_DEPTH) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

function keptHeaders(all: FastifyRequest['headers']): string {
  const kept: Record<string, unknown> = {};
  for (const h of KEPT_HEADERS) if (all[h]) kept[h] = all[h];
  return JSON.stringify(kept);
}

const webhookAck = z.object({
  received: z.literal(true),
  timestamp: z.string().optional(),
  duplicate: z.literal(true).optional(),
});
const WEBHOOK_RESPONSES = {
  200: webhookAck.describe('a repeated delivery: stored before, nothing enqueued'),
  202: webhookAck.describe('stored in webhook_events and enqueued'),
  ...errors({
    400: 'body not valid UTF-8, malformed JSON, or a payload that fails validation (each path and message)',
    401: 'signature, token or secret path did not verify',
    413: 'body larger than BODY_LIMIT_BYTES',
    415: 'content type other than application/json, or a charset other than UTF-8',
    429: 'rate limited (and, for GoHighLevel only, PostgreSQL unavailable)',
    503: 'PostgreSQL unavailable or the provider not configured: nothing was stored, retry after Retry-After',
  }),
};

/**
 * A provider route's schema. Documentation only (the route sets `documentationOnly` as its
 * validator): the body is checked against the same `p.schema` by the handler, after the
 * signature over the raw bytes.
 */
const webhookSchema = (p: BoundWebhookSource, path: string) => ({
  ...doc({
    summary: `${p.title} webhook`,
    description: `Stored in webhook_events before it is acknowledged, then enqueued with the dedupe key as job id. ${p.authDoc.description}`,
    tags: ['webhooks'],
    auth: 'webhook',
  }),
  ...(path.includes(':token')
    ? { params: z.object({ token: z.string().describe('the secret path token') }) }
    : {}),
  ...(p.authDoc.headers ? { headers: p.authDoc.headers } : {}),
  body: p.schema,
  consumes: ['application/json'],
  response: WEBHOOK_RESPONSES,
});
const unknownProviderSchema = {
  ...doc({ summary: 'Any other provider: 404', tags: ['webhooks'], auth: 'public' }),
  params: z.object({ provider: z.string() }),
  response: errors({ 404: 'no webhook route for this provider' }),
};

/**
 * POST /api/webhooks/<provider> (docs/webhooks.md): size limit -> content type -> authentication
 * -> JSON -> zod -> durable insert (group commit) -> enqueue -> 202. Nothing is acknowledged before
 * its row is committed; a repeated delivery answers 200 and enqueues nothing.
 */
export async function webhookRoutes(app: FastifyInstance, deps: IngressDeps) {
  const { config, log } = deps;
  const intake = app.webhookIntake;
  const { metrics } = intake;

  // Raw bytes: signatures are over the body exactly as sent. Only JSON is accepted (else 415),
  // and only as UTF-8 (else 400/415): the text decoded here, once, is what gets parsed and stored.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, bytes, done) => {
    try {
      done(null, { bytes, text: decodeUtf8Body(req.headers['content-type'], bytes as Buffer) });
    } catch (err) {
      done(err as Error);
    }
  });

  const handle = (p: BoundWebhookSource) => async (req: FastifyRequest, reply: FastifyReply) => {
    const count = (event: string, outcome: 'accepted' | 'duplicate' | 'rejected' | 'unauthorized') =>
      metrics.received.inc({ provider: p.name, event: eventLabel(event), outcome });
    const sent = req.body as { bytes: Buffer; text: string } | undefined;
    const raw = sent?.bytes ?? Buffer.alloc(0);

    if (p.missingConfig) {
      count('unknown', 'unauthorized');
      log.error({ provider: p.name }, `webhook refused: ${p.missingConfig} is not configured`);
      return reply
        .code(p.retryStatus)
        .header('retry-after', String(config.WEBHOOK_RETRY_AFTER_SECONDS))
        .send({ error: 'not_configured', message: `${p.name} webhooks are not configured on this server` });
    }
    const auth = await p.authenticate(req, raw);
    if (!auth.ok && auth.retryable) {
      // We could not check it (yet): not the sender's fault, so ask for a redelivery.
      metrics.unavailable.inc({ provider: p.name });
      log.warn(
        { provider: p.name, reason: auth.reason },
        'webhook signature could not be checked; asking for a retry',
      );
      return reply
        .code(p.retryStatus)
        .header('retry-after', String(config.WEBHOOK_RETRY_AFTER_SECONDS))
        .send({ error: 'unavailable', message: auth.reason });
    }
    if (!auth.ok) {
      count('unknown', 'unauthorized');
      log.warn({ provider: p.name, reason: auth.reason, ip: req.ip }, 'webhook authentication failed');
      return reply.code(401).send({ error: 'unauthorized', message: auth.reason });
    }

    let json: unknown;
    try {
      json = JSON.parse(sent?.text ?? '');
    } catch (err) {
      count('unknown', 'rejected');
      return reply.code(400).send({ error: 'invalid_json', message: (err as Error).message });
    }
    if (depthOf(json) > MAX_DEPTH) {
      count('unknown', 'rejected');
      return reply
        .code(400)
        .send({ error: 'invalid_body', message: `JSON nested deeper than ${MAX_DEPTH} levels` });
    }
    const parsed = p.schema.safeParse(json);
    const described = parsed.success ? p.describe(parsed.data as never) : null;
    const headers = keptHeaders(req.headers);
    const base = { provider: p.name, payload: sent?.text ?? '', headers };

    if (!parsed.success || !described?.ok) {
      // Authenticated but unusable: answer 400 and keep it, visible to operators as 'rejected'.
      const issues = parsed.success
        ? [{ path: '(root)', message: (described as { error: string }).error }]
        : zodIssues(parsed.error, '(root)');
      const body = { error: 'invalid_body', message: issuesMessage(issues), issues };
      count('unknown', 'rejected');
      await intake.reject({
        ...base,
        eventType: 'rejected',
        dedupeKey: dedupeKey(p.name, {}, raw),
        entityId: null,
        status: 'rejected',
        queue: null,
        jobId: null,
        error: body.issues
          .map((i) => `${i.path}: ${i.message}`)
          .join('; ')
          .slice(0, 2000),
      });
      return reply.code(400).send(body);
    }

    // Not stored, so not acknowledged: the status makes this provider deliver it again.
    const unavailable = (err: unknown) => {
      metrics.unavailable.inc({ provider: p.name });
      log.error(
        { err: (err as Error).message, provider: p.name },
        'webhook not stored: PostgreSQL unavailable',
      );
      return reply
        .code(p.retryStatus)
        .header('retry-after', String(config.WEBHOOK_RETRY_AFTER_SECONDS))
        .send({ error: 'unavailable', message: 'the event could not be stored; please retry' });
    };
    let event = described.event;
    if (event.createdIfUnseen && event.entityId) {
      try {
        if (!(await intake.beds24BookingSeen(event.entityId))) event = { ...event, eventType: 'CREATED' };
      } catch (err) {
        return unavailable(err);
      }
    }
    const key = dedupeKey(p.name, event, raw);
    const row: EventRow = {
      ...base,
      eventType: event.eventType,
      dedupeKey: key,
      entityId: event.entityId,
      status: 'received',
      queue: p.queue,
      jobId: toJobId(key),
      error: null,
    };
    let stored: Accepted;
    try {
      stored = await intake.accept(row);
    } catch (err) {
      if (err instanceof PayloadRejectedError) {
        count(event.eventType, 'rejected');
        return reply
          .code(400)
          .send({ error: 'invalid_body', message: `payload cannot be stored: ${err.message}` });
      }
      return unavailable(err);
    }
    if (stored.duplicate) {
      count(event.eventType, 'duplicate');
      return reply.code(200).send({ received: true, duplicate: true });
    }
    count(event.eventType, 'accepted');
    if (p.name === 'beds24') metrics.beds24.inc({ action: event.eventType });
    return reply.code(202).send({ received: true, timestamp: new Date().toISOString() });
  };

  const bodyLimit = config.BODY_LIMIT_BYTES;
  // The handler builds every answer of these routes itself (acks and errors, nothing to strip), so
  // they skip the zod serializer's per-response parse.
  const asSent = () => (data: unknown) => JSON.stringify(data);
  for (const p of bindWebhookSources(config))
    for (const path of p.paths)
      app.post(
        path,
        {
          bodyLimit,
          schema: webhookSchema(p, path),
          validatorCompiler: documentationOnly,
          serializerCompiler: asSent,
        },
        handle(p),
      );
  const unknown = { schema: unknownProviderSchema, validatorCompiler: documentationOnly };
  app.post('/api/webhooks/:provider', unknown, async (req, reply) => {
    metrics.received.inc({ provider: 'unknown', event: 'unknown', outcome: 'rejected' });
    return reply.code(404).send({
      error: 'unknown_provider',
      message: `no webhook route for "${(req.params as { provider: string }).provider}"`,
    });
  });
}
