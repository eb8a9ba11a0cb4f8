import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { IngressDeps } from '../context.ts';
import { badRequest as badRequestReply } from '../http/bad-request.ts';
import { hasRole, ROLES } from '../plugins/auth.ts';
import type { RouteDocs } from '../plugins/openapi.ts';
import { AccountError, newPassword, USER_ROLES, userName } from '../users/accounts.ts';
import { PASSWORD_MAX_LENGTH } from '../users/passwords.ts';

/**
 * User management (docs/operations-admin.md, "Users and sessions"): admins list, add, disable,
 * enable users and set their passwords; anyone logged in may change their own password (with the
 * current one). `npm run users` (cli/users.ts) does the same from a shell. Each change is an
 * audit line in the log (users/accounts.ts), never with a password.
 */

const userView = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  disabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastLoginAt: z.string().nullable(),
});
const addBody = z.object({
  name: userName,
  role: z.enum(USER_ROLES, { error: 'role must be admin or viewer' }),
  password: newPassword.describe('at least 10 characters'),
});
const passwordBody = z.object({
  password: newPassword.describe('the new password, at least 10 characters'),
  currentPassword: z
    .string()
    .max(PASSWORD_MAX_LENGTH)
    .optional()
    .describe('required when changing your own password'),
});
const nameParams = z.object({ name: userName });
const error = z.object({ error: z.string(), message: z.string() });
const badRequest = z.object({
  error: z.literal('bad_request'),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
});

const ACCOUNT_STATUS: Record<AccountError['code'], 400 | 404 | 409> = {
  weak_password: 400,
  user_not_found: 404,
  user_exists: 409,
  last_admin: 409,
};

const docs = (d: Omit<RouteDocs, 'tags'>): { openapi: RouteDocs } => ({ openapi: { tags: ['users'], ...d } });

export async function adminUsersRoutes(app: FastifyInstance, _deps: IngressDeps) {
  const accounts = app.accounts;
  if (!accounts) throw new Error('the users routes need the auth plugin with a database');
  const admin = app.requireRole('admin');

  const answer = async (reply: FastifyReply, work: () => Promise<unknown>, code = 200) => {
    try {
      return reply.code(code).send({ user: await work() });
    } catch (err) {
      if (err instanceof AccountError)
        return reply.code(ACCOUNT_STATUS[err.code]).send({ error: err.code, message: err.message });
      throw err;
    }
  };
  const by = (req: FastifyRequest) => req.user.sub;

  app.get(
    '/api/admin/users',
    {
      preHandler: admin,
      config: docs({
        summary: 'List the users (never their password hashes)',
        auth: 'admin',
        responses: {
          200: { description: 'every user, by name', schema: z.object({ users: z.array(userView) }) },
        },
      }),
    },
    async () => ({ users: await accounts.list() }),
  );

  app.post(
    '/api/admin/users',
    {
      preHandler: admin,
      config: docs({
        summary: 'Add a user with a role',
        auth: 'admin',
        body: addBody,
        responses: {
          201: { description: 'the new user', schema: z.object({ user: userView }) },
          400: { description: 'invalid name, role or a password below the policy', schema: badRequest },
          409: { description: 'the name is taken (names are case-insensitive)', schema: error },
        },
      }),
    },
    async (req, reply) => {
      const b = addBody.safeParse(req.body);
      if (!b.success) return badRequestReply(reply, b.error);
      return answer(reply, () => accounts.add(b.data, by(req)), 201);
    },
  );

  for (const disabled of [true, false]) {
    const verb = disabled ? 'disable' : 'enable';
    app.post(
      `/api/admin/users/:name/${verb}`,
      {
        preHandler: admin,
        config: docs({
          summary: disabled
            ? 'Disable a user: they cannot log in and their sessions end at once'
            : 'Enable a disabled user again',
          auth: 'admin',
          params: nameParams,
          responses: {
            200: { description: 'the user', schema: z.object({ user: userView }) },
            400: { description: 'invalid name', schema: badRequest },
            404: { description: 'no such user', schema: error },
            409: { description: 'disable: the last enabled admin', schema: error },
          },
        }),
      },
      async (req, reply) => {
        const p = nameParams.safeParse(req.params);
        if (!p.success) return badRequestReply(reply, p.error);
        return answer(reply, () => accounts.setDisabled(p.data.name, disabled, by(req)));
      },
    );
  }

  app.put(
    '/api/admin/users/:name/password',
    {
      preHandler: app.requireRole('viewer'),
      config: docs({
        summary: "Set a user's password; every other session of theirs ends",
        description:
          "Admins set anyone's password. Anyone logged in may set their own, with `currentPassword`; their current session stays open, every other one ends.",
        auth: 'viewer',
        params: nameParams,
        body: passwordBody,
        responses: {
          200: { description: 'the user', schema: z.object({ user: userView }) },
          400: { description: 'invalid name or a password below the policy', schema: badRequest },
          401: { description: 'own password: currentPassword is missing or wrong', schema: error },
          403: { description: "a viewer changing someone else's password", schema: error },
          404: { description: 'no such user', schema: error },
        },
      }),
    },
    async (req, reply) => {
      const p = nameParams.safeParse(req.params);
      if (!p.success) return badRequestReply(reply, p.error);
      const b = passwordBody.safeParse(req.body);
      if (!b.success) return badRequestReply(reply, b.error);
      const own = userName.safeParse(req.user.sub).data === p.data.name;
      if (!own && !hasRole(req.user, 'admin'))
        return reply
          .code(403)
          .send({ error: 'forbidden', message: 'only an admin sets another user’s password' });
      if (own) {
        const { user } = await accounts.checkPassword(p.data.name, b.data.currentPassword ?? '');
        if (!user)
          return reply
            .code(401)
            .send({ error: 'unauthorized', message: 'currentPassword is missing or wrong' });
      }
      const keep = own ? req.authSession?.sessionId : undefined;
      return answer(reply, () => accounts.setPassword(p.data.name, b.data.password, by(req), keep));
    },
  );
}
