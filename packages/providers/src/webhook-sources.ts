import { type Beds24WebhookSettings, beds24Webhook } from './beds24/webhook.ts';
import { type GhlWebhookSettings, ghlWebhook } from './ghl/webhook.ts';
import { type ManychatWebhookSettings, manychatWebhook } from './manychat/webhook.ts';
import { type PaypalWebhookSettings, paypalWebhook } from './paypal/webhook.ts';
import { type SiigoWebhookSettings, siigoWebhook } from './siigo/webhook.ts';
import { type StripeWebhookSettings, stripeWebhook } from './stripe/webhook.ts';
import type { WebhookCheck, WebhookSource } from './webhook-source.ts';

/** Every setting a webhook source reads (the ingress config satisfies it). */
export type WebhookSettings = Beds24WebhookSettings &
  SiigoWebhookSettings &
  StripeWebhookSettings &
  PaypalWebhookSettings &
  GhlWebhookSettings &
  ManychatWebhookSettings;

/** The providers that send webhooks: the ingress registers a route per path of each. */
export const WEBHOOK_SOURCES: ReadonlyArray<WebhookSource<WebhookSettings>> = [
  beds24Webhook,
  siigoWebhook,
  stripeWebhook,
  paypalWebhook,
  ghlWebhook,
  manychatWebhook,
];

/** A source bound to a server's settings, as the ingress uses it. */
export type BoundWebhookSource = Omit<WebhookSource<WebhookSettings>, 'bind'> & WebhookCheck;

export function bindWebhookSources(settings: WebhookSettings): BoundWebhookSource[] {
  return WEBHOOK_SOURCES.map(({ bind, ...source }) => ({ ...source, ...bind(settings) }));
}
