import fastifyCookie from '@fastify/cookie';
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';

export const ROLES = ['viewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** Cookie holding the admin JWT for browser pages (set by POST /api/admin/login). */
export const AUTH_COOKIE = 'cauce_token';
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
  }
  interface FastifyInstance {
    /** A preValidation hook: a valid admin JWT with at least this role (admin > viewer); before schema validation, so an unauthenticated request gets 401, never a 400 about its input. */
    requireRole(role: Role): (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

/**
 * Admin auth: HS256 JWT bearer tokens with a role claim, minted by `pnpm --filter @cauce/ingress token`.
 * The token is also accepted from the `cauce_token` cookie so browser pages (Bull Board) work after login.
 */
export const authPlugin = fp(async (app: FastifyInstance, opts: { secret: string }) => {
  // Parses Cookie headers; @fastify/jwt reads the token from it when no Bearer header is sent.
  if (!app.hasDecorator('parseCookie')) await app.register(fastifyCookie);
  await app.register(fastifyJwt, {
    secret: opts.secret,
    sign: { algorithm: 'HS256', expiresIn: '12h' },
    verify: { algorithms: ['HS256'] },
    cookie: { cookieName: AUTH_COOKIE, signed: false },
  });
  app.decorateRequest('access', undefined);
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
 * The verified claims of the request's token (Bearer header or cookie), or null. Sets req.user
 * to the checked claims and req.access to their role, which the viewer response layer reads.
 */
export async function authenticate(req: FastifyRequest): Promise<AdminClaims | null> {
  let claims: AdminClaims | null;
  try {
    claims = knownClaims(await req.jwtVerify());
  } catch {
    claims = null;
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
