import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IngressDeps } from '../../context.ts';
import { type Access, AUTH, doc, errors, VIEWER_AUTH } from '../../http/schemas.ts';
import { hasRole, ROLES } from '../../plugins/auth.ts';
import { AccountError, newPassword, USER_ROLES, userName } from '../../users/accounts.ts';
import { PASSWORD_MAX_LENGTH } from '../../users/passwords.ts';

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
const oneUser = z.object({ user: userView });

const ACCOUNT_STATUS: Record<AccountError['code'], 400 | 404 | 409> = {
  weak_password: 400,
  user_not_found: 404,
  user_exists: 409,
  last_admin: 409,
};

const docs = (d: { summary: string; description?: string; auth: Access }) => doc({ tags: ['users'], ...d });

export async function adminUsersRoutes(scope: FastifyInstance, _deps: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
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
      preValidation: admin,
      schema: {
        ...docs({ summary: 'List the users (never their password hashes)', auth: 'admin' }),
        response: { 200: z.object({ users: z.array(userView) }).describe('every user, by name'), ...AUTH },
      },
    },
    async () => ({ users: await accounts.list() }),
  );

  app.post(
    '/api/admin/users',
    {
      preValidation: admin,
      schema: {
        ...docs({ summary: 'Add a user with a role', auth: 'admin' }),
        body: addBody,
        response: {
          201: oneUser.describe('the new user'),
          ...AUTH,
          ...errors({
            400: 'invalid name, role or a password below the policy',
            409: 'the name is taken (names are case-insensitive)',
          }),
        },
      },
    },
    async (req, reply) => answer(reply, () => accounts.add(req.body, by(req)), 201),
  );

  for (const disabled of [true, false]) {
    const verb = disabled ? 'disable' : 'enable';
    app.post(
      `/api/admin/users/:name/${verb}`,
      {
        preValidation: admin,
        schema: {
          ...docs({
            summary: disabled
              ? 'Disable a user: they cannot log in and their sessions end at once'
              : 'Enable a disabled user again',
            auth: 'admin',
          }),
          params: nameParams,
          response: {
            200: oneUser.describe('the user'),
            ...AUTH,
            ...errors({ 404: 'no such user', 409: 'disable: the last enabled admin' }),
          },
        },
      },
      async (req, reply) => answer(reply, () => accounts.setDisabled(req.params.name, disabled, by(req))),
    );
  }

  app.put(
    '/api/admin/users/:name/password',
    {
      preValidation: app.requireRole('viewer'),
      schema: {
        ...docs({
          summary: "Set a user's password; every other session of theirs ends",
          description:
            "Admins set anyone's password. Anyone logged in may set their own, with `currentPassword`; their current session stays open, every other one ends.",
          auth: 'viewer',
        }),
        params: nameParams,
        body: passwordBody,
        response: {
          200: oneUser.describe('the user'),
          ...VIEWER_AUTH,
          ...errors({
            400: 'invalid name or a password below the policy',
            401: 'own password: currentPassword is missing or wrong (or no valid token)',
            403: "a viewer changing someone else's password",
            404: 'no such user',
          }),
        },
      },
    },
    async (req, reply) => {
      const p = { data: req.params };
      const b = { data: req.body };
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
