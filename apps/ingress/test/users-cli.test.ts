import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT, setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_COOKIE } from '../src/plugins/auth.ts';
import { startIngress } from './support.ts';

/**
 * `npm run users`: adds, lists, disables, enables users and sets passwords on the stack's
 * database, read from the same settings file as the stack, with no terminal (stdin a pipe).
 */
const env = await setupTestEnv();
const CLI = resolve(REPO_ROOT, 'apps/ingress/src/cli/users.ts');
let ingress: Awaited<ReturnType<typeof startIngress>>;
let dir: string;
let settingsFile: string;

beforeAll(async () => {
  ingress = await startIngress(env);
  dir = await mkdtemp(join(tmpdir(), 'cauce-users-'));
  settingsFile = join(dir, 'local.env');
  // DATABASE_URL only in the settings file: the CLI must find it there, as the stack does.
  await writeFile(settingsFile, `# test\nDATABASE_URL=${env.databaseUrl}\n`, { mode: 0o600 });
});
afterAll(async () => {
  await ingress?.close();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI as a child with stdin a pipe carrying `input` (no terminal anywhere). */
function users(
  args: string[],
  input = '',
  command = [process.execPath, '--import', 'tsx', CLI],
): Promise<Run> {
  const { DATABASE_URL: _db, npm_config_call: _c, npm_config_package: _p, ...rest } = process.env;
  return new Promise((done) => {
    const child = execFile(
      command[0]!,
      [...command.slice(1), ...args],
      { cwd: REPO_ROOT, env: { ...rest, CAUCE_SETTINGS_FILE: settingsFile }, timeout: 60_000 },
      (err, stdout, stderr) =>
        done({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
    );
    child.stdin!.end(input);
  });
}

async function login(user: string, password: string) {
  const res = await ingress.app.inject({
    method: 'POST',
    url: '/api/admin/login',
    payload: { user, password },
  });
  return {
    status: res.statusCode,
    cookie: /cauce_session=([^;]*)/.exec(String(res.headers['set-cookie']))?.[1],
  };
}
const me = (cookie: string) =>
  ingress.app
    .inject({ method: 'GET', url: '/api/admin/me', cookies: { [AUTH_COOKIE]: cookie } })
    .then((r) => r.statusCode);

// Each case spawns the CLI (tsx, Prisma) a few times: slow on a loaded machine, not a latency claim.
describe('users CLI', { timeout: 300_000 }, () => {
  it('adds a user with the password from stdin; stdout stays empty', async () => {
    const out = await users(['add', '--name', 'Ana', '--role', 'viewer'], 'ana-password-1\n');
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('added viewer "ana"');
    expect(out.stderr).not.toContain('ana-password-1');
    expect((await login('ana', 'ana-password-1')).status).toBe(200);
  });

  it('generates a password when none is given and prints it once, on stdout only', async () => {
    const out = await users(['add', '--name', 'bruno', '--role', 'admin']);
    expect(out.code, out.stderr).toBe(0);
    const password = out.stdout.trim();
    expect(password).toMatch(/^[\w-]{20}$/);
    expect(out.stderr).not.toContain(password);
    const l = await login('bruno', password);
    expect(l.status).toBe(200);
    const res = await ingress.app.inject({
      method: 'GET',
      url: '/api/admin/users',
      cookies: { [AUTH_COOKIE]: l.cookie! },
    });
    expect(res.statusCode).toBe(200);
  });

  it('lists users with role and status', async () => {
    const out = await users(['list']);
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ROLE\s+STATUS\s+LAST LOGIN$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      ['ana', 'viewer', 'enabled'],
      ['bruno', 'admin', 'enabled'],
    ]);
  });

  it('disable ends the sessions at once, enable lets the user back in', async () => {
    const { cookie } = await login('ana', 'ana-password-1');
    expect(await me(cookie!)).toBe(200);
    const off = await users(['disable', '--name', 'ana']);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stderr).toContain('ana is disabled');
    expect(await me(cookie!)).toBe(401);
    expect((await login('ana', 'ana-password-1')).status).toBe(401);
    expect((await users(['list'])).stdout).toMatch(/ana\s+viewer\s+disabled/);
    expect((await users(['enable', '--name', 'ana'])).code).toBe(0);
    expect((await login('ana', 'ana-password-1')).status).toBe(200);
  });

  it('passwd sets a new password from stdin and ends the old sessions', async () => {
    const { cookie } = await login('ana', 'ana-password-1');
    const out = await users(['passwd', '--name', 'ana'], 'ana-password-2\n');
    expect(out.code, out.stderr).toBe(0);
    expect(await me(cookie!)).toBe(401);
    expect((await login('ana', 'ana-password-1')).status).toBe(401);
    expect((await login('ana', 'ana-password-2')).status).toBe(200);
  });

  it('refuses bad arguments, a short password, a taken name and an unknown user with one clear line', async () => {
    const noCommand = await users([]);
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toContain('a command is required');
    expect((await users(['add', '--name', 'x'])).stderr).toContain('--role must be admin or viewer');
    expect((await users(['disable'])).stderr).toContain('--name is required');
    expect((await users(['add', '--name', 'bad name!', '--role', 'viewer'])).code).toBe(2);
    expect((await users(['list', '--bogus'])).code).toBe(2);
    const short = await users(['add', '--name', 'carla', '--role', 'viewer'], 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('at least 10 characters');
    const taken = await users(['add', '--name', 'ANA', '--role', 'viewer'], 'long-enough-pass\n');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('already exists');
    const unknown = await users(['enable', '--name', 'nobody']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no user named "nobody"');
    expect((await users(['list'])).stdout).not.toContain('carla');
  });

  it('runs verbatim as `npm run --silent users -- …` from the repository root, with no terminal', async () => {
    const out = await users(['list'], '', ['npm', 'run', '--silent', 'users', '--']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^NAME/);
    expect(out.stdout).toContain('bruno');
  });
});
