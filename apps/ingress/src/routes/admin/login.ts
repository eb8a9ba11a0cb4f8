import { parse as parseQuery } from 'node:querystring';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../../context.ts';
import { doc, documentationOnly, errors, noBody, textBody, VIEWER_AUTH } from '../../http/schemas.ts';
import { AUTH_COOKIE, authenticate, ROLES, type Role } from '../../plugins/auth.ts';
import { FORM_PAGE_REFERRER_POLICY, pageCsp } from '../../plugins/security-headers.ts';
import { userName } from '../../users/accounts.ts';
import { PASSWORD_MAX_LENGTH } from '../../users/passwords.ts';

/**
 * The operators' login (docs/operations-admin.md, "Users and sessions"): a server-rendered form,
 * user name and password, Spanish first (English when the browser prefers it). A good password
 * opens a session (users/accounts.ts) whose random value goes back as an HttpOnly,
 * SameSite=Strict cookie (Secure over HTTPS); the same cookie serves Bull Board, the pages and
 * the SSE stream. API clients keep using Bearer tokens (`npm run token`).
 */

export const LOGIN_PATH = '/api/admin/login';
export const LOGOUT_PATH = '/api/admin/logout';
export const ME_PATH = '/api/admin/me';
export const DEFAULT_AFTER_LOGIN = '/api/admin/queues/ui';

const loginBody = z.object({
  user: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  next: z.string().max(2048).optional(),
});
const loginQuery = z.object({ next: z.string().max(2048).optional() });
const loginResult = z.object({ user: z.string(), role: z.enum(ROLES), expiresAt: z.string() });
const meResult = z.object({
  user: z.string(),
  role: z.enum(ROLES),
  via: z.enum(['session', 'token']).describe('a browser session or a Bearer token'),
});

/** Only a local absolute path may follow a login (no open redirect to another site). */
export function safeNext(next: string | undefined): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.includes('\\')) return DEFAULT_AFTER_LOGIN;
  return next;
}

export type Lang = 'es' | 'en';

/** Spanish unless the browser ranks English above it (Accept-Language, q-values honoured). */
export function pickLang(header: string | string[] | undefined): Lang {
  const ranked = String(header ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { lang: tag.split('-')[0], q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => (x.lang === 'es' || x.lang === 'en') && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked[0]?.lang === 'en' ? 'en' : 'es';
}

const TEXT = {
  es: {
    title: 'Cauce · iniciar sesión',
    heading: 'Cauce',
    intro: 'Inicia sesión con tu usuario y contraseña.',
    user: 'Usuario',
    password: 'Contraseña',
    submit: 'Entrar',
    hint: 'Primera vez en una instalación local: usuario <code>admin</code>, contraseña en <code>.cauce/local.env</code> (CAUCE_ADMIN_PASSWORD).',
    missing: 'Escribe tu usuario y tu contraseña.',
    failed: 'Usuario o contraseña incorrectos.',
    disabled: 'Este usuario está desactivado. Pide a un administrador que lo active.',
    other: 'English',
  },
  en: {
    title: 'Cauce · log in',
    heading: 'Cauce',
    intro: 'Log in with your user name and password.',
    user: 'User name',
    password: 'Password',
    submit: 'Log in',
    hint: 'First time on a local install: user <code>admin</code>, password in <code>.cauce/local.env</code> (CAUCE_ADMIN_PASSWORD).',
    missing: 'Enter your user name and password.',
    failed: 'Wrong user name or password.',
    disabled: 'This user is disabled. Ask an admin to enable it.',
    other: 'Español',
  },
} as const;
type Problem = 'missing' | 'failed' | 'disabled';

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const STYLE = `
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}
main{max-width:420px;margin:12vh auto;background:#fff;padding:24px 28px;border-radius:8px;box-shadow:0 1px 4px #0002}
label{display:block}input{width:100%;box-sizing:border-box;padding:8px;margin:6px 0 16px}
button{padding:8px 16px}.error{color:#b00020}.hint{color:#555;font-size:.9em}code{background:#eee;padding:1px 4px}
`;

function loginPage(lang: Lang, next: string, problem?: Problem, user = ''): string {
  const t = TEXT[lang];
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><title>${t.title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head>
<body><main>
<h1>${t.heading}</h1>
<p>${t.intro}</p>
${problem ? `<p class="error" id="login-error" role="alert">${t[problem]}</p>` : ''}
<form method="post" action="${LOGIN_PATH}">
<label for="user">${t.user}</label>
<input id="user" name="user" autocomplete="username" autocapitalize="none" required maxlength="64" value="${escapeHtml(user)}">
<label for="password">${t.password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<input type="hidden" name="next" value="${escapeHtml(next)}">
<button type="submit" id="login-button">${t.submit}</button>
</form>
<p class="hint">${t.hint}</p>
</main></body></html>`;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  vary: 'Accept-Language',
  'referrer-policy': FORM_PAGE_REFERRER_POLICY,
  // The page's one inline <style> is allowed by its hash; it has no script.
  'content-security-policy': pageCsp(loginPage('es', DEFAULT_AFTER_LOGIN)),
};

const wantsHtml = (req: FastifyRequest) =>
  !String(req.headers['content-type'] ?? '').includes('application/json');

const cookieOptions = (req: FastifyRequest) =>
  ({ path: '/', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https' }) as const;

export async function adminLoginRoutes(scope: FastifyInstance, _deps: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  // HTML forms post urlencoded bodies; parse them in this scope only.
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded'))
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
      done(null, parseQuery(String(body))),
    );
  const accounts = app.accounts;
  if (!accounts) throw new Error('the login routes need the auth plugin with a database');

  app.get(
    LOGIN_PATH,
    {
      // Documentation only: an unusable query still gets the page (the handler parses it).
      validatorCompiler: documentationOnly,
      schema: {
        ...doc({
          summary: 'Login page (HTML form, Spanish or English by Accept-Language)',
          tags: ['auth'],
          auth: 'public',
        }),
        querystring: loginQuery,
        response: { 200: textBody('the page', 'text/html') },
      },
    },
    async (req, reply) => {
      const q = loginQuery.safeParse(req.query);
      const next = safeNext(q.success ? q.data.next : undefined);
      return reply.headers(PAGE_HEADERS).send(loginPage(pickLang(req.headers['accept-language']), next));
    },
  );

  /** The account a login attempt is for (the rate limit counts attempts per user name). */
  const loginAccount = (req: FastifyRequest) => {
    const body = loginBody.safeParse(req.body);
    if (!body.success) return null;
    const name = userName.safeParse(body.data.user);
    return name.success ? name.data : body.data.user.toLowerCase();
  };

  app.post(
    LOGIN_PATH,
    {
      config: { loginAccount },
      // Documentation only: a form post's failure is the login page again (the handler parses it).
      validatorCompiler: documentationOnly,
      schema: {
        ...doc({
          summary: 'Log in with a user name and password: sets the session cookie',
          description:
            'Form posts (application/x-www-form-urlencoded) are redirected to `next` (303), and a failure shows the page again; JSON posts get the user or `{error, message}`. The cookie is HttpOnly, SameSite=Strict (Secure over HTTPS) and names a server-side session that logout, disabling the user or changing their password ends.',
          tags: ['auth'],
          auth: 'public',
        }),
        body: loginBody,
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        response: {
          200: loginResult.describe('JSON login: the cookie is set'),
          303: noBody('form login: the cookie is set, go to next'),
          ...errors({
            400: 'no user name or password in the body',
            401: 'wrong user name or password, or the user is disabled',
            403: 'a browser request from another site (Origin/Referer not this server)',
            429: 'too many attempts from this address or for this user (Retry-After)',
          }),
        },
      },
    },
    async (req, reply) => {
      const html = wantsHtml(req);
      const lang = pickLang(req.headers['accept-language']);
      const body = loginBody.safeParse(req.body);
      const next = safeNext(body.success ? body.data.next : undefined);
      const fail = (code: 400 | 401, problem: Problem) =>
        html
          ? (reply as FastifyReply) // the HTML page, not the JSON error of the schema
              .code(code)
              .headers(PAGE_HEADERS)
              .send(loginPage(lang, next, problem, body.success ? body.data.user : ''))
          : reply.code(code).send({
              error: code === 400 ? 'bad_request' : problem === 'disabled' ? 'user_disabled' : 'unauthorized',
              message: TEXT.en[problem],
            });
      if (!body.success) return fail(400, 'missing');

      const { user, disabled } = await accounts.checkPassword(body.data.user, body.data.password);
      if (!user) {
        req.log.info({ user: loginAccount(req), disabled }, 'login refused');
        return fail(401, disabled ? 'disabled' : 'failed');
      }
      const session = await accounts.openSession(user);
      reply.setCookie(AUTH_COOKIE, session.cookie, { ...cookieOptions(req), expires: session.expiresAt });
      if (html) return reply.redirect(next, 303);
      return { user: user.name, role: user.role as Role, expiresAt: session.expiresAt.toISOString() };
    },
  );

  /** Ends the request's session (its row is deleted) and clears the cookie. */
  const logout = async (req: FastifyRequest, reply: FastifyReply) => {
    await authenticate(req);
    if (req.authSession) await accounts.closeSession(req.authSession.sessionId, req.authSession.name);
    reply.clearCookie(AUTH_COOKIE, cookieOptions(req));
    return wantsHtml(req) || req.method === 'GET' ? reply.redirect(LOGIN_PATH, 303) : reply.code(204).send();
  };
  const logoutSchema = {
    ...doc({
      summary: 'Log out: ends the session and clears its cookie',
      description:
        'Redirects to the login page (303); a JSON POST gets 204. GET is for links (Bull Board menu): the SameSite=Strict cookie never comes with a request from another site.',
      tags: ['auth'],
      auth: 'public',
    }),
    response: {
      303: noBody('the session is ended; go to the login page'),
      204: noBody('JSON logout: ended'),
    },
  };
  app.get(LOGOUT_PATH, { schema: logoutSchema }, logout);
  app.post(LOGOUT_PATH, { schema: logoutSchema }, logout);

  app.get(
    ME_PATH,
    {
      preValidation: app.requireRole('viewer'),
      schema: {
        ...doc({
          summary: 'Who is logged in: the user (or token subject) and role',
          tags: ['auth'],
          auth: 'viewer',
        }),
        response: { 200: meResult.describe('the caller'), ...VIEWER_AUTH },
      },
    },
    async (req) => ({
      user: req.user.sub,
      role: req.user.role,
      via: req.authSession ? ('session' as const) : ('token' as const),
    }),
  );
}
