import fastifyCookie from '@fastify/cookie';
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export type Role = 'viewer' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'admin'];
/** Cookie holding the admin JWT for browser pages (set by POST /api/admin/login). */
export const AUTH_COOKIE = 'cauce_token';
const RANK: Record<Role, number> = { viewer: 1, admin: 2 };

export interface AdminClaims {
  sub: string;
  role: Role;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AdminClaims;
    user: AdminClaims;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: a valid admin JWT with at least this role (admin > viewer). */
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
  app.decorate('requireRole', (role: Role) => async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      await req.jwtVerify();
    } catch {
      return reply.code(401).send({ error: 'unauthorized', message: 'a valid admin token is required' });
    }
    const have = RANK[req.user.role as Role] ?? 0;
    if (have < RANK[role]) {
      return reply.code(403).send({ error: 'forbidden', message: `this needs the ${role} role` });
    }
  });
});

export function mintToken(app: FastifyInstance, sub: string, role: Role, expiresIn = '12h'): string {
  return app.jwt.sign({ sub, role }, { expiresIn });
}

/** The verified claims of the request's token (Bearer header or cookie), or null. */
export async function authenticate(req: FastifyRequest): Promise<AdminClaims | null> {
  try {
    const claims = await req.jwtVerify<AdminClaims>();
    return ROLES.includes(claims.role) ? claims : null;
  } catch {
    return null;
  }
}

export const hasRole = (claims: AdminClaims, role: Role) => (RANK[claims.role] ?? 0) >= RANK[role];
