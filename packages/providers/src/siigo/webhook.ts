import { QUEUES } from '@cauce/queues';
import { z } from 'zod';
import { secretEquals, type WebhookAuthResult } from '../webhook-auth.ts';
import { pathToken, tokenAuth, type WebhookSource, webhookId } from '../webhook-source.ts';

const body = z.looseObject({
  topic: z.string().min(1).max(200),
  id: webhookId,
  company_key: z.string().max(200).optional(),
  username: z.string().max(320).optional(),
  metadata: z.looseObject({ last_updated: z.string().max(40).optional() }).optional(),
});

export interface SiigoWebhookSettings {
  SIIGO_WEBHOOK_TOKEN?: string | undefined;
  SIIGO_COMPANY_KEY?: string | undefined;
  SIIGO_WEBHOOK_LEGACY_RECEIVE: boolean;
}

const LEGACY_PATH = '/api/webhooks/receive';

export const siigoWebhook: WebhookSource<SiigoWebhookSettings> = {
  name: 'siigo',
  title: 'SIIGO',
  queue: QUEUES.siigoStock,
  paths: ['/api/webhooks/siigo', '/api/webhooks/siigo/:token', LEGACY_PATH, `${LEGACY_PATH}/:token`],
  retryStatus: 503,
  authDoc: {
    description:
      'Unsigned: the path token (`/api/webhooks/siigo/{token}`) is the shared secret, and the body names the configured company_key; /api/webhooks/receive is an alias kept for existing subscriptions.',
  },
  schema: body,
  describe: (b: z.infer<typeof body>) => ({
    ok: true,
    event: { eventType: b.topic, entityId: b.id, providerTimestamp: b.metadata?.last_updated ?? null },
  }),
  bind: (s) => ({
    missingConfig: s.SIIGO_WEBHOOK_TOKEN ? null : 'SIIGO_WEBHOOK_TOKEN',
    authenticate: (req, raw) => {
      // Old subscriptions call /api/webhooks/receive with no token: with the migration flag on,
      // the company_key check below is what authenticates them.
      const legacy =
        s.SIIGO_WEBHOOK_LEGACY_RECEIVE &&
        !!s.SIIGO_COMPANY_KEY &&
        pathToken(req) === undefined &&
        req.routeOptions.url === LEGACY_PATH;
      const auth: WebhookAuthResult = legacy
        ? { ok: true }
        : tokenAuth(pathToken(req), s.SIIGO_WEBHOOK_TOKEN);
      if (!auth.ok || !s.SIIGO_COMPANY_KEY) return auth;
      // Account check as SIIGO integrators do; the body is parsed again after auth (cheap).
      let companyKey: unknown;
      try {
        companyKey = (JSON.parse(raw.toString('utf8')) as { company_key?: unknown }).company_key;
      } catch {
        return auth; // malformed JSON gets its 400 next
      }
      const given =
        typeof companyKey === 'string' || typeof companyKey === 'number' ? String(companyKey) : '';
      return secretEquals(given, s.SIIGO_COMPANY_KEY)
        ? auth
        : { ok: false, reason: 'company_key is not this account' };
    },
  }),
};
