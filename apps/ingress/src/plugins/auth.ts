import type { Db } from '@cauce/db';
import fastifyCookie from '@fastify/cookie';
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { Accounts, type SessionUser } from '../users/accounts.ts';

export const ROLES = ['viewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** Cookie holding the browser session (set by POST /api/admin/login; a random value, see users/accounts.ts). */
export const AUTH_COOKIE = 'cauce_session';
const RANK: Readonly<Record<Role, number>> = Object.freeze({ viewer: 1, admin: 2 });

/**
 * The claims a token must carry. The role is one of ROLES exactly: a signed token whose role is
 * `constructor`, `__proto__` or `toString` names an inherited property of a plain object, and a
 * lookup such as `RANK[role]` would find it. Checked once here, for every surface.
 */
export const adminClaims = z.object({ sub: z.string().min(1).max(200), role: z.enum(ROLES) });
export type AdminClaims = z.infer<typeof adminClaims>;

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AdminClaims;
    user: AdminClaims;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The role of the request's verified token; set by requireRole and authenticate only. */
    access?: Role;
    /** The browser session the request came with (cookie), when that is how it authenticated. */
    authSession?: SessionUser;
  }
  interface FastifyInstance {
    /** Users and sessions; absent where the plugin got no database (the token CLI). */
    accounts?: Accounts;
    /** A preValidation hook: a valid session or admin JWT with at least this role (admin > viewer); before schema validation, so an unauthenticated request gets 401, never a 400 about its input. */
    requireRole(role: Role): (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

export interface AuthOptions {
  secret: string;
  /** Where users and sessions live; without it only Bearer tokens are accepted. */
  db?: Db;
  log?: ConstructorParameters<typeof Accounts>[1];
  sessionTtlMs?: number;
}

/**
 * Admin auth, two ways in: people log in with a user name and password and get a session cookie
 * (`cauce_session`, a row in `sessions`); API clients and scripts send an HS256 JWT with a role
 * claim as `Authorization: Bearer` (minted by `npm run token`). Both give the same claims.
 */
export const authPlugin = fp(async (app: FastifyInstance, opts: AuthOptions) => {
  if (!app.hasDecorator('parseCookie')) await app.register(fastifyCookie);
  // Tokens from the Authorization header only: the cookie is a session, not a JWT.
  await app.register(fastifyJwt, {
    secret: opts.secret,
    sign: { algorithm: 'HS256', expiresIn: '12h' },
    verify: { algorithms: ['HS256'] },
  });
  if (opts.db) app.decorate('accounts', new Accounts(opts.db, opts.log ?? app.log, opts.sessionTtlMs));
  app.decorateRequest('access', undefined);
  app.decorateRequest('authSession', undefined);
  app.addHook('onRequest', async (req, reply) => {
    if (isCrossSiteCookieWrite(req))
      return reply.code(403).send({
        error: 'cross_site_request',
        message: 'a write authenticated by the session cookie must come from a page of this server',
      });
  });
  app.decorate('requireRole', (role: Role) => async (req: FastifyRequest, reply: FastifyReply) => {
    const claims = await authenticate(req);
    if (!claims)
      return reply.code(401).send({ error: 'unauthorized', message: 'a valid admin token is required' });
    if (!hasRole(claims, role))
      return reply.code(403).send({ error: 'forbidden', message: `this needs the ${role} role` });
  });
});

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for the session cookie (SameSite=Strict is the first): a request that changes
 * something and carries the cookie without a Bearer header must name this server as its Origin
 * (or, when a browser sends no Origin, its Referer). Browsers send Origin on every non-GET
 * request; another site cannot forge it. Bearer requests are exempt: no browser adds that header
 * by itself.
 */
export function isCrossSiteCookieWrite(req: FastifyRequest): boolean {
  if (SAFE_METHODS.has(req.method) || req.headers.authorization) return false;
  if (!req.headers.cookie?.includes(`${AUTH_COOKIE}=`)) return false;
  const from = req.headers.origin ?? req.headers.referer;
  if (typeof from !== 'string' || from === 'null') return true;
  try {
    return withoutDefaultPort(new URL(from).host) !== withoutDefaultPort(req.host);
  } catch {
    return true;
  }
}

/** URL drops :80/:443 from a host while a Host header may keep it; compare without them. */
const withoutDefaultPort = (host: string) => host.toLowerCase().replace(/:(80|443)$/, '');

export function mintToken(app: FastifyInstance, sub: string, role: Role, expiresIn = '12h'): string {
  return app.jwt.sign({ sub, role }, { expiresIn });
}

/** Claims of a verified token, or null when they are not exactly a known role and a subject. */
export function knownClaims(payload: unknown): AdminClaims | null {
  const parsed = adminClaims.safeParse(payload);
  return parsed.success ? parsed.data : null;
}

/**
 * The verified claims of the request: its Bearer token, or else its session cookie (the user's
 * name and current role), or null. A Bearer header that fails is not rescued by a cookie. Sets
 * req.user to the checked claims and req.access to their role, which the viewer response layer
 * reads; a session also sets req.authSession.
 */
export async function authenticate(req: FastifyRequest): Promise<AdminClaims | null> {
  let claims: AdminClaims | null = null;
  if (req.headers.authorization) {
    try {
      claims = knownClaims(await req.jwtVerify());
    } catch {
      claims = null;
    }
  } else {
    const cookie = req.cookies?.[AUTH_COOKIE];
    const session = cookie ? await req.server.accounts?.session(cookie) : null;
    if (session) {
      req.authSession = session;
      claims = { sub: session.name, role: session.role };
    }
  }
  if (!claims) return null;
  req.user = claims;
  req.access = claims.role;
  return claims;
}

/** admin > viewer; a role outside ROLES never passes (own properties of RANK only). */
export const hasRole = (claims: { role: unknown }, role: Role): boolean =>
  typeof claims.role === 'string' &&
  Object.hasOwn(RANK, claims.role) &&
  RANK[claims.role as Role] >= RANK[role];
