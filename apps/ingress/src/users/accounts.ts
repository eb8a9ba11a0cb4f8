import { createHash, randomBytes } from 'node:crypto';
import type { Db, UserModel as User } from '@cauce/db';
import type { Logger } from '@cauce/runtime';
import { z } from 'zod';
import { dummyHash, hashPassword, passwordProblem, verifyPassword } from './passwords.ts';

/**
 * Operators' users and their browser sessions (docs/operations-admin.md, "Users and sessions"),
 * shared by the login routes, the users API and `npm run users`. A session is a row in
 * `sessions` keyed by the SHA-256 of the cookie's random value: deleting the row (logout,
 * disable, password change) ends it at once, and it survives an ingress restart.
 */

export const USER_ROLES = ['viewer', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Lower case letters, digits and . _ @ -; stored lower-cased, so "Ana" and "ana" are one user. */
export const userName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._@-]{0,63}$/, 'a user name is 1 to 64 letters, digits, . _ @ or -');

export const newPassword = z.string().superRefine((p, ctx) => {
  const problem = passwordProblem(p);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export class AccountError extends Error {
  constructor(
    readonly code: 'user_exists' | 'user_not_found' | 'weak_password' | 'last_admin',
    message: string,
  ) {
    super(message);
    this.name = 'AccountError';
  }
}

/** A user as the API and the CLI show it: never the hash. */
export interface PublicUser {
  id: string;
  name: string;
  role: UserRole;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
}

export const publicUser = (u: User): PublicUser => ({
  id: String(u.id),
  name: u.name,
  role: u.role as UserRole,
  disabled: u.disabled,
  createdAt: u.createdAt.toISOString(),
  updatedAt: u.updatedAt.toISOString(),
  lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
});

/** The user behind a live session. */
export interface SessionUser {
  sessionId: string;
  userId: bigint;
  name: string;
  role: UserRole;
  expiresAt: Date;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** last_seen_at is written at most this often per session (not on every request). */
const TOUCH_EVERY_MS = 60_000;

export class Accounts {
  constructor(
    private readonly db: Db,
    private readonly log: Pick<Logger, 'info' | 'warn'>,
    private readonly sessionTtlMs = 12 * 3600_000,
  ) {}

  /** One line per change, for the audit trail: who did what to whom, never a password. */
  private audit(action: string, by: string, fields: Record<string, unknown>) {
    this.log.info({ audit: action, by, ...fields }, `users: ${action}`);
  }

  list(): Promise<PublicUser[]> {
    return this.db.user.findMany({ orderBy: { name: 'asc' } }).then((rows) => rows.map(publicUser));
  }

  count(): Promise<number> {
    return this.db.user.count();
  }

  async find(name: string): Promise<User | null> {
    const parsed = userName.safeParse(name);
    return parsed.success ? this.db.user.findUnique({ where: { name: parsed.data } }) : null;
  }

  private async findOrThrow(name: string): Promise<User> {
    const user = await this.find(name);
    if (!user) throw new AccountError('user_not_found', `no user named "${name}"`);
    return user;
  }

  async add(input: { name: string; role: UserRole; password: string }, by: string): Promise<PublicUser> {
    const name = userName.parse(input.name);
    const problem = passwordProblem(input.password);
    if (problem) throw new AccountError('weak_password', problem);
    const passwordHash = await hashPassword(input.password);
    try {
      const user = await this.db.user.create({ data: { name, role: input.role, passwordHash } });
      this.audit('user.add', by, { user: name, role: input.role });
      return publicUser(user);
    } catch (err) {
      if ((err as { code?: string }).code === 'P2002')
        throw new AccountError('user_exists', `a user named "${name}" already exists`);
      throw err;
    }
  }

  /** Disabling ends every session of the user; the last enabled admin cannot be disabled. */
  async setDisabled(name: string, disabled: boolean, by: string): Promise<PublicUser> {
    const user = await this.findOrThrow(name);
    if (disabled && user.role === 'admin' && !user.disabled) {
      const admins = await this.db.user.count({ where: { role: 'admin', disabled: false } });
      if (admins <= 1)
        throw new AccountError('last_admin', 'this is the only enabled admin; add or enable another first');
    }
    const updated = await this.db.$transaction(async (tx) => {
      const u = await tx.user.update({ where: { id: user.id }, data: { disabled } });
      if (disabled) await tx.session.deleteMany({ where: { userId: user.id } });
      return u;
    });
    this.audit(disabled ? 'user.disable' : 'user.enable', by, { user: user.name });
    return publicUser(updated);
  }

  /**
   * Sets a new password and ends every session of the user except `keepSession` (the one
   * changing its own password stays logged in; everyone else holding the old one is out).
   */
  async setPassword(name: string, password: string, by: string, keepSession?: string): Promise<PublicUser> {
    const problem = passwordProblem(password);
    if (problem) throw new AccountError('weak_password', problem);
    const user = await this.findOrThrow(name);
    const passwordHash = await hashPassword(password);
    const [updated] = await this.db.$transaction([
      this.db.user.update({ where: { id: user.id }, data: { passwordHash } }),
      this.db.session.deleteMany({
        where: { userId: user.id, ...(keepSession ? { id: { not: keepSession } } : {}) },
      }),
    ]);
    this.audit('user.passwd', by, { user: user.name });
    return publicUser(updated);
  }

  /**
   * The user whose name and password these are, or null. An unknown name costs the same scrypt
   * as a known one (dummyHash); a disabled user is refused only after its password was checked.
   */
  async checkPassword(name: string, password: string): Promise<{ user: User | null; disabled: boolean }> {
    const user = await this.find(name);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!user || !ok) return { user: null, disabled: false };
    if (user.disabled) return { user: null, disabled: true };
    return { user, disabled: false };
  }

  /** A new session: the cookie value (shown once, to the browser) and when it expires. */
  async openSession(user: User): Promise<{ cookie: string; expiresAt: Date }> {
    const cookie = randomBytes(32).toString('base64url');
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.sessionTtlMs);
    await this.db.$transaction([
      this.db.session.deleteMany({ where: { expiresAt: { lt: now } } }),
      this.db.session.create({ data: { id: sha256(cookie), userId: user.id, expiresAt } }),
      this.db.user.update({ where: { id: user.id }, data: { lastLoginAt: now } }),
    ]);
    this.audit('session.open', user.name, { user: user.name, role: user.role });
    return { cookie, expiresAt };
  }

  /** The live session a cookie names, or null (unknown, expired, or its user disabled). */
  async session(cookie: string): Promise<SessionUser | null> {
    if (!cookie || cookie.length > 100) return null;
    const id = sha256(cookie);
    const row = await this.db.session.findUnique({ where: { id }, include: { user: true } });
    if (!row || row.user.disabled) return null;
    const now = Date.now();
    if (row.expiresAt.getTime() <= now) {
      await this.db.session.deleteMany({ where: { id } });
      return null;
    }
    if (now - row.lastSeenAt.getTime() > TOUCH_EVERY_MS)
      await this.db.session.updateMany({ where: { id }, data: { lastSeenAt: new Date(now) } });
    return {
      sessionId: id,
      userId: row.userId,
      name: row.user.name,
      role: row.user.role as UserRole,
      expiresAt: row.expiresAt,
    };
  }

  async closeSession(sessionId: string, name: string): Promise<void> {
    await this.db.session.deleteMany({ where: { id: sessionId } });
    this.audit('session.close', name, { user: name });
  }

  /**
   * The first admin: when no user exists, `name` with the configured password. Without a
   * password, a warning says how to create one. Never logs the password.
   */
  async ensureFirstAdmin(name: string, password: string | undefined): Promise<'created' | 'exists' | 'none'> {
    if ((await this.count()) > 0) return 'exists';
    if (!password) {
      this.log.warn(
        'no users yet and CAUCE_ADMIN_PASSWORD is not set: nobody can log in to the pages. Set CAUCE_ADMIN_PASSWORD (and CAUCE_ADMIN_USER) and restart, or run `npm run users -- add --name you --role admin`',
      );
      return 'none';
    }
    try {
      await this.add({ name, role: 'admin', password }, 'startup');
    } catch (err) {
      // Another ingress created it meanwhile.
      if (err instanceof AccountError && err.code === 'user_exists') return 'exists';
      if (err instanceof AccountError && err.code === 'weak_password') {
        this.log.warn(`no users yet and CAUCE_ADMIN_PASSWORD is refused (${err.message}): set a longer one`);
        return 'none';
      }
      throw err;
    }
    this.log.info({ user: name }, 'created the first admin user from CAUCE_ADMIN_PASSWORD');
    return 'created';
  }
}
