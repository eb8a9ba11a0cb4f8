import { parse as parseQuery } from 'node:querystring';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { IngressDeps } from '../context.ts';
import { doc, documentationOnly, errors, noBody, textBody } from '../http/schemas.ts';
import { AUTH_COOKIE, knownClaims, ROLES } from '../plugins/auth.ts';
import { pageCsp } from '../plugins/security-headers.ts';

/**
 * Browser login for Bull Board and other admin pages: paste a token (from `pnpm token`), get it
 * back as an HttpOnly, SameSite=Strict cookie that @fastify/jwt accepts like a Bearer header.
 * The cookie lives as long as the token; Secure is set when the request came over HTTPS.
 */

export const LOGIN_PATH = '/api/admin/login';
export const LOGOUT_PATH = '/api/admin/logout';
export const DEFAULT_AFTER_LOGIN = '/api/admin/queues/ui';

const loginBody = z.object({
  token: z.string().trim().min(1).max(4096),
  next: z.string().max(2048).optional(),
});
const loginQuery = z.object({ next: z.string().max(2048).optional(), error: z.string().max(200).optional() });
const loginResult = z.object({ sub: z.string(), role: z.enum(ROLES), expiresAt: z.string() });

/** Only a local absolute path may follow a login (no open redirect to another site). */
export function safeNext(next: string | undefined): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.includes('\\')) return DEFAULT_AFTER_LOGIN;
  return next;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function loginPage(next: string, error?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cauce admin login</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}
main{max-width:420px;margin:12vh auto;background:#fff;padding:24px 28px;border-radius:8px;box-shadow:0 1px 4px #0002}
input{width:100%;box-sizing:border-box;padding:8px;margin:8px 0 16px;font-family:monospace}
button{padding:8px 16px}.error{color:#b00020}code{background:#eee;padding:1px 4px}
</style></head>
<body><main>
<h1>Cauce admin</h1>
<p>Paste an admin or viewer token (<code>npm run --silent token -- --role admin --sub you</code>).</p>
${error ? `<p class="error" id="login-error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${LOGIN_PATH}">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<input type="hidden" name="next" value="${escapeHtml(next)}">
<button type="submit" id="login-button">Log in</button>
</form>
</main></body></html>`;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // The page's one inline <style> is allowed by its hash; it has no script.
  'content-security-policy': pageCsp(loginPage(DEFAULT_AFTER_LOGIN)),
};

const wantsHtml = (req: FastifyRequest) =>
  !String(req.headers['content-type'] ?? '').includes('application/json');

export async function adminLoginRoutes(app: FastifyInstance, _deps: IngressDeps) {
  // HTML forms post urlencoded bodies; parse them in this scope only.
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded'))
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
      done(null, parseQuery(String(body))),
    );

  const clearCookie = (reply: FastifyReply) =>
    reply.clearCookie(AUTH_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict' });

  app.get(
    LOGIN_PATH,
    {
      // Documentation only: an unusable query still gets the page (the handler parses it).
      validatorCompiler: documentationOnly,
      schema: {
        ...doc({ summary: 'Login page (HTML form)', tags: ['auth'], auth: 'public' }),
        querystring: loginQuery,
        response: { 200: textBody('the page', 'text/html') },
      },
    },
    async (req, reply) => {
      const q = loginQuery.safeParse(req.query);
      const next = safeNext(q.success ? q.data.next : undefined);
      return reply.headers(PAGE_HEADERS).send(loginPage(next, q.success ? q.data.error : undefined));
    },
  );

  /** The account a login attempt is for: the subject the pasted token claims (unverified; for counting only). */
  const loginAccount = (req: FastifyRequest) => {
    const body = loginBody.safeParse(req.body);
    if (!body.success) return null;
    try {
      const claims = app.jwt.decode<{ sub?: unknown }>(body.data.token);
      return typeof claims?.sub === 'string' ? claims.sub : null;
    } catch {
      return null; // not a JWT: only the per-address limit applies
    }
  };

  app.post(
    LOGIN_PATH,
    {
      config: { loginAccount },
      // Documentation only: a form post's failure is the login page again (the handler parses it).
      validatorCompiler: documentationOnly,
      schema: {
        ...doc({
          summary: 'Exchange a token for the session cookie',
          description:
            'Form posts (application/x-www-form-urlencoded) are redirected to `next` (303), and a failure shows the page again; JSON posts get the claims or `{error, message}`. The cookie is HttpOnly, SameSite=Strict, and expires with the token.',
          tags: ['auth'],
          auth: 'public',
        }),
        body: loginBody,
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        response: {
          200: loginResult.describe('JSON login: the cookie is set'),
          303: noBody('form login: the cookie is set, go to next'),
          ...errors({
            400: 'no token in the body',
            401: 'the token is invalid, expired or has no known role',
            403: 'a browser request from another site (Origin/Referer not this server)',
            429: 'too many attempts from this address or for this account (Retry-After)',
          }),
        },
      },
    },
    async (req, reply) => {
      const html = wantsHtml(req);
      const body = loginBody.safeParse(req.body);
      const next = safeNext(body.success ? body.data.next : undefined);
      const fail = (code: 400 | 401, message: string) =>
        html
          ? reply.code(code).headers(PAGE_HEADERS).send(loginPage(next, message))
          : reply.code(code).send({ error: code === 400 ? 'bad_request' : 'unauthorized', message });
      if (!body.success) return fail(400, 'Paste a token to log in.');

      let verified: { exp?: unknown };
      try {
        verified = app.jwt.verify<{ exp?: unknown }>(body.data.token);
      } catch {
        return fail(401, 'Login failed: the token is invalid or expired.');
      }
      const claims = knownClaims(verified);
      if (!claims) return fail(401, 'Login failed: the token has no admin or viewer role.');

      const exp = typeof verified.exp === 'number' ? verified.exp : null;
      const expires = exp ? new Date(exp * 1000) : new Date(Date.now() + 12 * 3600_000);
      reply.setCookie(AUTH_COOKIE, body.data.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: req.protocol === 'https',
        expires,
      });
      req.log.info({ sub: claims.sub, role: claims.role }, 'admin login');
      if (html) return reply.redirect(next, 303);
      return { sub: claims.sub, role: claims.role, expiresAt: expires.toISOString() };
    },
  );

  const logout = async (_req: FastifyRequest, reply: FastifyReply) =>
    clearCookie(reply).redirect(LOGIN_PATH, 303);
  const logoutSchema = {
    ...doc({ summary: 'Clear the session cookie', tags: ['auth'], auth: 'public' }),
    response: { 303: noBody('the cookie is cleared; go to the login page') },
  };
  app.get(LOGOUT_PATH, { schema: logoutSchema }, logout);
  app.post(LOGOUT_PATH, { schema: logoutSchema }, logout);
}
