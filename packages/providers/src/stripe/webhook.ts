import Stripe from 'stripe';
import { authFail, authOk, type WebhookAuthResult } from '../webhook-auth.ts';

/** Stripe's own tolerance for the signed timestamp (seconds). */
export const STRIPE_TOLERANCE_SECONDS = 300;

const webhooks = Stripe.webhooks;
const stripeSignature = (() => {
  if (!webhooks.signature) throw new Error('stripe library without webhooks.signature');
  return webhooks.signature;
})();

/**
 * Verifies `Stripe-Signature` over the raw body with the official library (HMAC-SHA256,
 * constant-time, every `v1` in the header). Several endpoint secrets are accepted while one is
 * being rotated.
 */
export function verifyStripeSignature(
  raw: Buffer,
  signature: string | undefined,
  secrets: readonly string[],
  toleranceSeconds = STRIPE_TOLERANCE_SECONDS,
): WebhookAuthResult {
  if (!signature) return authFail('missing Stripe-Signature header');
  if (!secrets.length) return authFail('no Stripe webhook secret configured');
  let reason = 'signature does not match';
  for (const secret of secrets) {
    try {
      stripeSignature.verifyHeader(raw, signature, secret, toleranceSeconds);
      return authOk;
    } catch (err) {
      reason = err instanceof Error ? err.message.split('\n')[0]! : reason;
    }
  }
  return authFail(reason);
}

/** The header Stripe would send for `payload` (tests, the demo and the soak sign with it). */
export function signStripePayload(payload: string, secret: string, timestamp?: number): string {
  return webhooks.generateTestHeaderString({ payload, secret, timestamp });
}
