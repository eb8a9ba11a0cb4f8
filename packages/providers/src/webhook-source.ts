import type { WebhookQueue } from '@cauce/queues';
import { z } from 'zod';
import { header, secretEquals, type WebhookAuthResult } from './webhook-auth.ts';

/**
 * The contract between a provider's folder and the ingress: each `<provider>/webhook.ts` exports
 * one `WebhookSource`, `webhook-sources.ts` lists them, and the ingress registers a route per path
 * of each. Adding a provider touches its folder, its worker and the database schema, not the
 * ingress.
 */

/** What the intake needs to know about one event, read from its (validated) body. */
export interface EventInfo {
  eventType: string;
  entityId: string | null;
  /** The provider's own event id, when it has one (the dedupe key). */
  providerEventId?: string | null;
  providerTimestamp?: string | null;
  /**
   * What identifies the event when the body also carries delivery bookkeeping that changes between
   * redeliveries (Beds24's `retries`): hashed instead of the raw body for the dedupe key.
   */
  dedupeBody?: string;
  /** The event type is CREATED when the entity was never seen before, else `eventType` (Beds24 V2). */
  createdIfUnseen?: boolean;
}

export type Described = { ok: true; event: EventInfo } | { ok: false; error: string };

/** The parts of an HTTP request a webhook check reads (a Fastify request is one). */
export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  params: unknown;
  routeOptions: { url?: string | undefined };
}

export type Authenticate = (
  req: WebhookRequest,
  raw: Buffer,
) => WebhookAuthResult | Promise<WebhookAuthResult>;

/** A source bound to this server's settings. */
export interface WebhookCheck {
  /** The variable an operator must set before this provider's webhooks are accepted, or null. */
  missingConfig: string | null;
  authenticate: Authenticate;
}

export type WebhookProviderName = 'beds24' | 'siigo' | 'stripe' | 'paypal' | 'ghl' | 'manychat';

export interface WebhookSource<Settings> {
  name: WebhookProviderName;
  /** The provider's name for people (API docs, console). */
  title: string;
  queue: WebhookQueue;
  /** Route paths (a `:token` segment carries a secret path token). */
  paths: readonly string[];
  /** Status that makes this provider retry: GoHighLevel retries only on 429. */
  retryStatus: 429 | 503;
  /** How deliveries are authenticated, for the API docs; `headers` documents signature headers. */
  authDoc: { description: string; headers?: z.ZodObject };
  schema: z.ZodType;
  /** Reads the event out of a body that passed `schema`. */
  describe(body: never): Described;
  /** Reads this source's settings once, at start. */
  bind(settings: Settings): WebhookCheck;
}

/** Provider ids are strings or integers; stored as strings. */
export const webhookId = z.union([z.string().min(1).max(200), z.number().int()]).transform(String);

export const bearerToken = (req: WebhookRequest) =>
  /^Bearer\s+(.+)$/i.exec(header(req.headers, 'authorization') ?? '')?.[1];

export const pathToken = (req: WebhookRequest) => (req.params as { token?: string } | undefined)?.token;

/** A shared-secret check in constant time; a missing expected value never matches. */
export const tokenAuth = (given: string | undefined, expected: string | undefined): WebhookAuthResult =>
  expected && secretEquals(given ?? '', expected)
    ? { ok: true }
    : { ok: false, reason: given ? 'token does not match' : 'missing token' };
