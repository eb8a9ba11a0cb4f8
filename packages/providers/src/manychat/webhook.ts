import { QUEUES } from '@cauce/queues';
import { z } from 'zod';
import { header } from '../webhook-auth.ts';
import { pathToken, tokenAuth, type WebhookSource, webhookId } from '../webhook-source.ts';

const body = z.looseObject({
  event: z.string().max(100).optional(),
  id: webhookId.optional(),
  subscriber_id: webhookId.optional(),
  user_id: webhookId.optional(),
  subscriber: z.looseObject({ id: webhookId.optional() }).optional(),
});

export interface ManychatWebhookSettings {
  MANYCHAT_WEBHOOK_TOKEN?: string | undefined;
}

export const manychatWebhook: WebhookSource<ManychatWebhookSettings> = {
  name: 'manychat',
  title: 'ManyChat',
  queue: QUEUES.stagingManychat,
  paths: ['/api/webhooks/manychat', '/api/webhooks/manychat/:token'],
  retryStatus: 503,
  authDoc: { description: 'Unsigned: the `X-Cauce-Token` header or the path token.' },
  schema: body,
  describe: (b: z.infer<typeof body>) => {
    const subscriber = b.subscriber?.id ?? b.id ?? b.subscriber_id ?? b.user_id ?? null;
    if (!subscriber)
      return { ok: false, error: 'no subscriber id (id, subscriber_id, user_id or subscriber.id)' };
    return { ok: true, event: { eventType: b.event ?? 'subscriber', entityId: subscriber } };
  },
  bind: (s) => ({
    missingConfig: s.MANYCHAT_WEBHOOK_TOKEN ? null : 'MANYCHAT_WEBHOOK_TOKEN',
    authenticate: (req) =>
      tokenAuth(header(req.headers, 'x-cauce-token') ?? pathToken(req), s.MANYCHAT_WEBHOOK_TOKEN),
  }),
};
