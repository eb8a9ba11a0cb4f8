import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import { paypal, stripe } from '@cauce/providers';
import { PAYPAL_SIM_CERT_PATH, paypalSimSigningKey } from '../providers/paypal.ts';
import { type Delivery, deliver } from './deliver.ts';
import type { Traffic } from './traffic.ts';

/**
 * The secrets a demo, the soak or a test configures on the ingress (`env`) and signs its
 * deliveries with: provider-sim plays every provider, so it holds their keys.
 */
export interface SenderAuth {
  env: Record<string, string>;
  beds24Token: string;
  siigoToken: string;
  siigoPath: string;
  manychatToken: string;
  ordersApiKey: string;
  stripeSecret: string;
  ghlPrivateKey: KeyObject;
  ghlRsaPrivateKey: KeyObject;
  paypalWebhookId: string;
  paypalCertUrl: string;
}

const token = () => randomBytes(24).toString('hex');
const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' }).toString('base64');

/** `simBase` is where provider-sim serves PayPal's signing certificate. */
export function createSenderAuth(simBase: string): SenderAuth {
  const ed = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const a = {
    beds24Token: token(),
    siigoToken: token(),
    manychatToken: token(),
    ordersApiKey: token(),
    stripeSecret: `whsec_${token()}`,
    ghlPrivateKey: ed.privateKey,
    ghlRsaPrivateKey: rsa.privateKey,
    paypalWebhookId: `WH-SIM-${token().slice(0, 16)}`,
    paypalCertUrl: `${simBase}${PAYPAL_SIM_CERT_PATH}`,
  };
  const certHost = new URL(simBase).host;
  return {
    ...a,
    siigoPath: `/api/webhooks/siigo/${a.siigoToken}`,
    env: {
      BEDS24_WEBHOOK_TOKEN: a.beds24Token,
      SIIGO_WEBHOOK_TOKEN: a.siigoToken,
      MANYCHAT_WEBHOOK_TOKEN: a.manychatToken,
      ORDERS_API_KEYS: a.ordersApiKey,
      STRIPE_WEBHOOK_SECRETS: a.stripeSecret,
      GHL_WEBHOOK_PUBLIC_KEYS: spki(ed.publicKey),
      GHL_WEBHOOK_RSA_PUBLIC_KEYS: spki(rsa.publicKey),
      PAYPAL_WEBHOOK_ID: a.paypalWebhookId,
      PAYPAL_CERT_HOSTS: certHost,
      PAYPAL_CERT_ALLOW_HTTP: 'true',
    },
  };
}

/** Headers each signed provider sends with `raw`. */
export const signWebhook = {
  stripe: (auth: SenderAuth, raw: string, timestamp?: number) => ({
    'stripe-signature': stripe.signStripePayload(raw, auth.stripeSecret, timestamp),
  }),
  ghl: (auth: SenderAuth, raw: string) => ({
    'x-ghl-signature': sign(null, Buffer.from(raw), auth.ghlPrivateKey).toString('base64'),
  }),
  ghlLegacy: (auth: SenderAuth, raw: string) => ({
    'x-wh-signature': sign('sha256', Buffer.from(raw), auth.ghlRsaPrivateKey).toString('base64'),
  }),
  paypal: (auth: SenderAuth, raw: string, transmissionTime = new Date().toISOString()) => {
    const transmissionId = randomUUID();
    const signed = paypal.paypalSignedString(
      Buffer.from(raw),
      transmissionId,
      transmissionTime,
      auth.paypalWebhookId,
    );
    return {
      'paypal-transmission-id': transmissionId,
      'paypal-transmission-time': transmissionTime,
      'paypal-transmission-sig': sign('sha256', Buffer.from(signed), paypalSimSigningKey()).toString(
        'base64',
      ),
      'paypal-cert-url': auth.paypalCertUrl,
      'paypal-auth-algo': 'SHA256withRSA',
    };
  },
};

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const NAMES = ['María José Peña', 'Andrés Gómez', 'Luz Ángela Ríos', 'João Souza', 'Zoë Núñez'];
const phone = () => `+57 3${Math.floor(100000000 + Math.random() * 899999999)}`;

/** Realistic events of the signed providers, delivered (and retried) as each provider does. */
export function extraSenders(auth: SenderAuth): Record<string, (t: Traffic) => Promise<Delivery>> {
  const post = (
    t: Traffic,
    kind: string,
    path: string,
    body: unknown,
    headers: (raw: string) => Record<string, string>,
  ) => {
    const raw = JSON.stringify(body);
    return deliver(kind, `${t.target.ingress}${path}`, raw, headers(raw));
  };
  return {
    stripe: (t) => {
      const id = `cus_${randomBytes(7).toString('hex')}`;
      const event = {
        id: `evt_${randomBytes(12).toString('hex')}`,
        object: 'event',
        api_version: '2026-06-24',
        created: Math.floor(Date.now() / 1000),
        livemode: false,
        type: 'customer.created',
        data: {
          object: { id, object: 'customer', email: `${id}@example.com`, name: pick(NAMES), phone: phone() },
        },
      };
      return post(t, 'stripe', '/api/webhooks/stripe', event, (raw) => signWebhook.stripe(auth, raw));
    },
    ghl: (t) => {
      const event = {
        type: 'ContactCreate',
        webhookId: randomUUID(),
        timestamp: new Date().toISOString(),
        locationId: 'sim-location',
        id: randomBytes(10).toString('hex'),
        email: `${randomBytes(5).toString('hex')}@example.com`,
        phone: phone(),
        name: pick(NAMES),
      };
      return post(t, 'ghl', '/api/webhooks/ghl', event, (raw) => signWebhook.ghl(auth, raw));
    },
    paypal: (t) => {
      const event = {
        id: `WH-${randomBytes(10).toString('hex').toUpperCase()}`,
        event_version: '1.0',
        create_time: new Date().toISOString(),
        resource_type: 'capture',
        event_type: 'PAYMENT.CAPTURE.COMPLETED',
        summary: 'Payment completed',
        resource: {
          id: randomBytes(8).toString('hex').toUpperCase(),
          status: 'COMPLETED',
          amount: { currency_code: 'USD', value: pick(['19.99', '49.00', '120.50']) },
          create_time: new Date().toISOString(),
        },
      };
      return post(t, 'paypal', '/api/webhooks/paypal', event, (raw) => signWebhook.paypal(auth, raw));
    },
    manychat: (t) => {
      const body = {
        event: 'flow_external_request',
        subscriber: { id: String(Math.floor(Math.random() * 1e12)), name: pick(NAMES), phone: phone() },
      };
      return post(t, 'manychat', `/api/webhooks/manychat/${auth.manychatToken}`, body, () => ({}));
    },
  };
}
