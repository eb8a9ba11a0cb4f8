import { createHmac } from 'node:crypto';
import { QUEUES } from '@cauce/queues';
import { z } from 'zod';
import { authFail, authOk, header, secretMatchesAny, type WebhookAuthResult } from '../webhook-auth.ts';
import type { WebhookSource } from '../webhook-source.ts';

/**
 * Stripe webhook signatures (https://docs.stripe.com/webhooks#verify-manually), written here so
 * that every Stripe call goes through our own HttpClient (client.ts: metrics, provider windows,
 * redaction) and the official library is not shipped for one HMAC. The unit tests check this
 * against the official library (a dev dependency) in both directions.
 */

/** Stripe's own tolerance for the signed timestamp (seconds). */
export const STRIPE_TOLERANCE_SECONDS = 300;

/** `t=<unix>,v1=<hex>,v1=<hex>,v0=…`: the timestamp and every v1 (current scheme) signature. */
function parseHeader(header: string): { timestamp: number; signatures: string[] } | null {
  let timestamp = Number.NaN;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  return Number.isFinite(timestamp) && signatures.length ? { timestamp, signatures } : null;
}

const hmac = (secret: string, timestamp: number, payload: Buffer | string) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(payload).digest('hex');

/**
 * Verifies `Stripe-Signature` over the raw body: HMAC-SHA256 of `<t>.<body>` with each endpoint
 * secret, compared in constant time with every `v1` in the header; several secrets are accepted
 * while one is being rotated. The timestamp must be within the tolerance either way (a replayed
 * old delivery, or a clock far ahead).
 */
export function verifyStripeSignature(
  raw: Buffer,
  signature: string | undefined,
  secrets: readonly string[],
  toleranceSeconds = STRIPE_TOLERANCE_SECONDS,
): WebhookAuthResult {
  if (!signature) return authFail('missing Stripe-Signature header');
  if (!secrets.length) return authFail('no Stripe webhook secret configured');
  const parsed = parseHeader(signature);
  if (!parsed) return authFail('Stripe-Signature header without a timestamp and a v1 signature');
  let matched = false;
  for (const secret of secrets)
    matched = secretMatchesAny(hmac(secret, parsed.timestamp, raw), parsed.signatures) || matched;
  if (!matched) return authFail('signature does not match');
  if (Math.abs(Date.now() / 1000 - parsed.timestamp) > toleranceSeconds)
    return authFail('timestamp outside the tolerance zone');
  return authOk;
}

/** The header Stripe would send for `payload` (tests, the demo and the soak sign with it). */
export function signStripePayload(payload: string, secret: string, timestamp?: number): string {
  const t = timestamp ?? Math.floor(Date.now() / 1000);
  return `t=${t},v1=${hmac(secret, t, payload)}`;
}

const body = z.looseObject({
  id: z.string().regex(/^evt_[A-Za-z0-9_]+$/, 'a Stripe event id (evt_…)'),
  object: z.literal('event'),
  type: z.string().min(1).max(200),
  created: z.number().int(),
  data: z.looseObject({ object: z.looseObject({ id: z.string().max(200).optional() }) }),
});

export interface StripeWebhookSettings {
  STRIPE_WEBHOOK_SECRETS: readonly string[];
}

export const stripeWebhook: WebhookSource<StripeWebhookSettings> = {
  name: 'stripe',
  title: 'Stripe',
  queue: QUEUES.stagingStripe,
  paths: ['/api/webhooks/stripe'],
  retryStatus: 503,
  authDoc: {
    description: 'Verified with the `Stripe-Signature` header (5-minute tolerance).',
    headers: z.object({ 'stripe-signature': z.string() }),
  },
  schema: body,
  describe: (b: z.infer<typeof body>) => ({
    ok: true,
    event: {
      eventType: b.type,
      entityId: b.data.object.id ?? null,
      providerEventId: b.id,
      providerTimestamp: String(b.created),
    },
  }),
  bind: (s) => ({
    missingConfig: s.STRIPE_WEBHOOK_SECRETS.length ? null : 'STRIPE_WEBHOOK_SECRETS',
    authenticate: (req, raw) =>
      verifyStripeSignature(raw, header(req.headers, 'stripe-signature'), s.STRIPE_WEBHOOK_SECRETS),
  }),
};
