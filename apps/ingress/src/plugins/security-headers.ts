import { createHash } from 'node:crypto';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { rateLimitGroup } from './rate-limit.ts';

/**
 * Security headers on every answer (@fastify/helmet): a Content-Security-Policy that lets pages
 * load only from this server (no inline script or style, no eval, no framing), nosniff,
 * Referrer-Policy no-referrer, X-Frame-Options DENY. Pages with inline blocks allow exactly those
 * blocks by hash (pageCsp). Strict-Transport-Security is the TLS proxy's to send: the ingress
 * itself speaks plain HTTP.
 *
 * Provider webhook routes are skipped: no browser reads them, and they are the hot path.
 */
export const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
} as const;

/**
 * Inline <style> blocks that third-party pages insert at run time (SVG logos carrying their own
 * <style>), allowed by hash on those pages only. A new version of either UI that changes them
 * shows up as a CSP violation in operator-pages.browser.test.ts (only the logo's colours suffer).
 */
const UI_INLINE_STYLES: Array<{ prefix: string; hashes: string[] }> = [
  // Bull Board's Redis logo (@bull-board/ui 9.10).
  { prefix: '/api/admin/queues/ui', hashes: ["'sha256-r2N1TB/gHbBtBZFKg7ejmq1acVSREzucTAEw6ga4hoU='"] },
  // Swagger UI's logo (@fastify/swagger-ui 6.1).
  { prefix: '/docs', hashes: ["'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"] },
];

const serialise = (d: Record<string, readonly string[]>) =>
  Object.entries(d)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/**
 * Referrer-Policy of the pages that post a form to this server (login, the Sync Command
 * Center's logout). Under no-referrer a browser sends `Origin: null` with a form post, which the
 * cookie CSRF check (plugins/auth.ts) must refuse; same-origin sends the real Origin to this
 * server and still no referrer to any other site.
 */
export const FORM_PAGE_REFERRER_POLICY = 'same-origin';

/** The CSP of a page whose inline <script> and <style> blocks are allowed by their hash (and nothing else inline). */
export function pageCsp(html: string): string {
  const blocks = (tag: string) =>
    [...html.matchAll(new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'gi'))]
      .filter((m) => !/type=["']application\/json["']/i.test(m[0]))
      .map((m) => sha256(m[1] ?? ''));
  return serialise({
    ...CSP_DIRECTIVES,
    'script-src': [...CSP_DIRECTIVES['script-src'], ...blocks('script')],
    'style-src': [...CSP_DIRECTIVES['style-src'], ...blocks('style')],
  });
}

export const securityHeadersPlugin = fp(async (app: FastifyInstance) => {
  // Before helmet's onRequest reads it: webhook routes carry helmet's own "skip" flag.
  app.addHook('onRoute', (route: RouteOptions) => {
    const ui = UI_INLINE_STYLES.find((u) => route.url === u.prefix || route.url.startsWith(`${u.prefix}/`));
    const helmet =
      rateLimitGroup(route.url) === 'webhooks'
        ? { skipRoute: true }
        : ui
          ? {
              contentSecurityPolicy: {
                useDefaults: false,
                directives: {
                  ...CSP_DIRECTIVES,
                  'style-src': [...CSP_DIRECTIVES['style-src'], ...ui.hashes],
                },
              },
            }
          : undefined;
    if (helmet) route.config = { ...route.config, helmet } as typeof route.config;
  });
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES as never },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });
});
