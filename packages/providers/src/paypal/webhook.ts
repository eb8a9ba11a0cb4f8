import { verify, X509Certificate } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { QUEUES } from '@cauce/queues';
import { z } from 'zod';
import { authFail, authOk, header, type WebhookAuthResult } from '../webhook-auth.ts';
import type { WebhookSource } from '../webhook-source.ts';

export const PAYPAL_CERT_HOSTS = [
  'api.paypal.com',
  'api.sandbox.paypal.com',
  'api-m.paypal.com',
  'api-m.sandbox.paypal.com',
];

export interface PaypalHeaders {
  transmissionId?: string;
  transmissionTime?: string;
  transmissionSig?: string;
  certUrl?: string;
  authAlgo?: string;
}

export interface PaypalVerifierOptions {
  /** The webhook id PayPal gave the subscription (part of the signed string). */
  webhookId: string;
  /** Hosts certificates may be downloaded from (exact host names). */
  certHosts?: readonly string[];
  /** Allow http: cert URLs (provider-sim on loopback only). */
  allowHttp?: boolean;
  /** Reject transmissions older than this (seconds); PayPal retries for 3 days, so be generous. */
  maxAgeSeconds?: number;
  fetchCert?: (url: string) => Promise<string>;
}

/** zlib.crc32 (Node 20.15+/22.2+): PayPal signs the body's CRC32 as an unsigned decimal. */
const crc = (raw: Buffer) => crc32(raw) >>> 0;

/**
 * PayPal's self-verification (no API call per event): `<id>|<time>|<webhookId>|<crc32(body)>`
 * signed with SHA256withRSA by the certificate at PAYPAL-CERT-URL. The certificate is fetched
 * only from an allow-listed host, checked for validity dates, and cached by URL.
 */
export class PaypalWebhookVerifier {
  private readonly certs = new Map<string, Promise<X509Certificate>>();

  constructor(private readonly opts: PaypalVerifierOptions) {}

  private certAllowed(url: string): string | null {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return 'PAYPAL-CERT-URL is not a URL';
    }
    if (u.protocol !== 'https:' && !(this.opts.allowHttp && u.protocol === 'http:'))
      return 'PAYPAL-CERT-URL must be https';
    const hosts = this.opts.certHosts ?? PAYPAL_CERT_HOSTS;
    if (!hosts.includes(u.host) && !hosts.includes(u.hostname))
      return `certificate host ${u.host} is not allowed`;
    return null;
  }

  private cert(url: string): Promise<X509Certificate> {
    let c = this.certs.get(url);
    if (!c) {
      const fetchCert =
        this.opts.fetchCert ??
        (async (u: string) => {
          const res = await fetch(u, { signal: AbortSignal.timeout(10_000) });
          if (!res.ok) throw new Error(`certificate download answered ${res.status}`);
          return res.text();
        });
      c = fetchCert(url).then((pem) => new X509Certificate(pem));
      c.catch(() => this.certs.delete(url)); // a failed download is retried next time
      this.certs.set(url, c);
    }
    return c;
  }

  async verify(raw: Buffer, h: PaypalHeaders): Promise<WebhookAuthResult> {
    const { transmissionId, transmissionTime, transmissionSig, certUrl, authAlgo } = h;
    if (!transmissionId || !transmissionTime || !transmissionSig || !certUrl)
      return authFail('missing PAYPAL-TRANSMISSION-* or PAYPAL-CERT-URL headers');
    if (authAlgo && authAlgo.toUpperCase() !== 'SHA256WITHRSA')
      return authFail(`unsupported auth algo ${authAlgo}`);
    const refused = this.certAllowed(certUrl);
    if (refused) return authFail(refused);
    const sent = Date.parse(transmissionTime);
    if (!Number.isFinite(sent)) return authFail('PAYPAL-TRANSMISSION-TIME is not a date');
    if (Math.abs(Date.now() - sent) > (this.opts.maxAgeSeconds ?? 4 * 86_400) * 1000)
      return authFail('transmission too old');
    let cert: X509Certificate;
    try {
      cert = await this.cert(certUrl);
    } catch (err) {
      return { ok: false, reason: `certificate unavailable: ${(err as Error).message}`, retryable: true };
    }
    const now = Date.now();
    if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now)
      return authFail('certificate expired');
    const signed = paypalSignedString(raw, transmissionId, transmissionTime, this.opts.webhookId);
    let ok = false;
    try {
      ok = verify('sha256', Buffer.from(signed), cert.publicKey, Buffer.from(transmissionSig, 'base64'));
    } catch {
      ok = false;
    }
    return ok ? authOk : authFail('PAYPAL-TRANSMISSION-SIG does not verify');
  }
}

/** The string PayPal signs (exported for tests, the demo and the soak, which play PayPal). */
export function paypalSignedString(
  raw: Buffer,
  transmissionId: string,
  transmissionTime: string,
  webhookId: string,
) {
  return `${transmissionId}|${transmissionTime}|${webhookId}|${crc(raw)}`;
}

const body = z.looseObject({
  id: z.string().min(1).max(200),
  event_type: z.string().min(1).max(200),
  create_time: z.string().max(40).optional(),
  resource: z.looseObject({ id: z.string().max(200).optional() }),
});

export interface PaypalWebhookSettings {
  PAYPAL_WEBHOOK_ID?: string | undefined;
  PAYPAL_CERT_HOSTS?: readonly string[] | undefined;
  PAYPAL_CERT_ALLOW_HTTP: boolean;
}

export const paypalWebhook: WebhookSource<PaypalWebhookSettings> = {
  name: 'paypal',
  title: 'PayPal',
  queue: QUEUES.stagingPaypal,
  paths: ['/api/webhooks/paypal'],
  retryStatus: 503,
  authDoc: {
    description: 'Verified with the PAYPAL-TRANSMISSION-* headers and the certificate.',
    headers: z.object({
      'paypal-transmission-id': z.string(),
      'paypal-transmission-time': z.string(),
      'paypal-transmission-sig': z.string(),
      'paypal-cert-url': z.string(),
      'paypal-auth-algo': z.string(),
    }),
  },
  schema: body,
  describe: (b: z.infer<typeof body>) => ({
    ok: true,
    event: {
      eventType: b.event_type,
      entityId: b.resource.id ?? null,
      providerEventId: b.id,
      providerTimestamp: b.create_time ?? null,
    },
  }),
  bind: (s) => {
    const verifier = s.PAYPAL_WEBHOOK_ID
      ? new PaypalWebhookVerifier({
          webhookId: s.PAYPAL_WEBHOOK_ID,
          ...(s.PAYPAL_CERT_HOSTS ? { certHosts: s.PAYPAL_CERT_HOSTS } : {}),
          allowHttp: s.PAYPAL_CERT_ALLOW_HTTP,
        })
      : null;
    return {
      missingConfig: verifier ? null : 'PAYPAL_WEBHOOK_ID',
      authenticate: (req, raw) =>
        verifier
          ? verifier.verify(raw, {
              transmissionId: header(req.headers, 'paypal-transmission-id'),
              transmissionTime: header(req.headers, 'paypal-transmission-time'),
              transmissionSig: header(req.headers, 'paypal-transmission-sig'),
              certUrl: header(req.headers, 'paypal-cert-url'),
              authAlgo: header(req.headers, 'paypal-auth-algo'),
            })
          : { ok: false, reason: 'PAYPAL_WEBHOOK_ID is not configured' },
    };
  },
};
