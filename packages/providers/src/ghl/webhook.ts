import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { QUEUES } from '@cauce/queues';
import { z } from 'zod';
import { authFail, authOk, header, type WebhookAuthResult } from '../webhook-auth.ts';
import { type WebhookSource, webhookId } from '../webhook-source.ts';

/**
 * GoHighLevel's published Ed25519 webhook key (SPKI, base64) as integrators use it; configurable
 * because providers.md marks it "confirm" and keys rotate.
 */
export const GHL_ED25519_PUBLIC_KEY = 'MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=';

/** A PEM or bare base64 SPKI public key as a KeyObject. */
export function parsePublicKey(key: string): KeyObject {
  const k = key.trim();
  if (k.includes('BEGIN')) return createPublicKey(k.replace(/\\n/g, '\n'));
  return createPublicKey({ key: Buffer.from(k, 'base64'), format: 'der', type: 'spki' });
}

export interface GhlKeys {
  ed25519: readonly KeyObject[];
  /** Legacy RSA keys for `X-WH-Signature` (deprecated by GHL on 2026-07-01). */
  rsa: readonly KeyObject[];
}

const anyVerifies = (keys: readonly KeyObject[], algo: string | null, raw: Buffer, sig: Buffer) => {
  let ok = false;
  for (const key of keys) {
    try {
      ok = verify(algo, raw, key, sig) || ok;
    } catch {
      // a malformed signature for this key type: not a match
    }
  }
  return ok;
};

/**
 * `X-GHL-Signature` (Ed25519 over the raw body) first; the legacy `X-WH-Signature`
 * (RSA-SHA256, PKCS#1 v1.5) only when no Ed25519 header is present. No signature: refused.
 */
export function verifyGhlSignature(
  raw: Buffer,
  ghlSignature: string | undefined,
  legacySignature: string | undefined,
  keys: GhlKeys,
): WebhookAuthResult {
  if (ghlSignature) {
    if (!keys.ed25519.length) return authFail('no GoHighLevel Ed25519 key configured');
    return anyVerifies(keys.ed25519, null, raw, Buffer.from(ghlSignature, 'base64'))
      ? authOk
      : authFail('X-GHL-Signature does not verify');
  }
  if (legacySignature) {
    if (!keys.rsa.length) return authFail('legacy X-WH-Signature received but no RSA key configured');
    return anyVerifies(keys.rsa, 'sha256', raw, Buffer.from(legacySignature, 'base64'))
      ? authOk
      : authFail('X-WH-Signature does not verify');
  }
  return authFail('missing X-GHL-Signature (and X-WH-Signature)');
}

const body = z.looseObject({
  type: z.string().min(1).max(200),
  webhookId: z.string().max(200).optional(),
  timestamp: z.string().max(40).optional(),
  id: webhookId.optional(),
  contactId: webhookId.optional(),
  locationId: z.string().max(200).optional(),
});

export interface GhlWebhookSettings {
  /** Ed25519 keys; GoHighLevel's published key when unset. */
  GHL_WEBHOOK_PUBLIC_KEYS?: readonly string[] | undefined;
  GHL_WEBHOOK_RSA_PUBLIC_KEYS: readonly string[];
}

export const ghlWebhook: WebhookSource<GhlWebhookSettings> = {
  name: 'ghl',
  title: 'GoHighLevel',
  queue: QUEUES.stagingGhl,
  paths: ['/api/webhooks/ghl'],
  retryStatus: 429,
  authDoc: {
    description: 'Verified with `X-GHL-Signature` (Ed25519) or the legacy `X-WH-Signature` (RSA).',
  },
  schema: body,
  describe: (b: z.infer<typeof body>) => ({
    ok: true,
    event: {
      eventType: b.type,
      entityId: b.id ?? b.contactId ?? null,
      providerEventId: b.webhookId ?? null,
      providerTimestamp: b.timestamp ?? null,
    },
  }),
  bind: (s) => {
    const keys: GhlKeys = {
      ed25519: (s.GHL_WEBHOOK_PUBLIC_KEYS ?? [GHL_ED25519_PUBLIC_KEY]).map(parsePublicKey),
      rsa: s.GHL_WEBHOOK_RSA_PUBLIC_KEYS.map(parsePublicKey),
    };
    return {
      missingConfig: keys.ed25519.length || keys.rsa.length ? null : 'GHL_WEBHOOK_PUBLIC_KEYS',
      authenticate: (req, raw) =>
        verifyGhlSignature(
          raw,
          header(req.headers, 'x-ghl-signature'),
          header(req.headers, 'x-wh-signature'),
          keys,
        ),
    };
  },
};
