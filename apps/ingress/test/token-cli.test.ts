import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, setupTestEnv } from '@cauce/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, JWT_SECRET, startIngress } from './support.ts';

/** `pnpm token`: mints tokens the ingress accepts, and refuses bad arguments with a clear line. */
const env = await setupTestEnv();
const run = promisify(execFile);
const CLI = resolve(REPO_ROOT, 'apps/ingress/src/cli/token.ts');
let ingress: Awaited<ReturnType<typeof startIngress>>;

beforeAll(async () => {
  ingress = await startIngress(env);
});
afterAll(async () => {
  await ingress?.close();
});

async function token(args: string[], envOverride: Record<string, string | undefined> = { JWT_SECRET }) {
  // No stack settings file unless the case gives one: only the variables under test count.
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    CAUCE_SETTINGS_FILE: '/nonexistent/cauce-settings.env',
    ...envOverride,
  };
  for (const [k, v] of Object.entries(envOverride)) if (v === undefined) delete childEnv[k];
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: REPO_ROOT,
      env: childEnv,
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());

describe('token CLI', () => {
  it('prints only a viewer token on stdout that the ingress accepts as a viewer', async () => {
    const out = await token(['--role', 'viewer', '--sub', 'victor', '--ttl', '2h']);
    expect(out.code).toBe(0);
    const jwt = out.stdout.trim();
    expect(jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(out.stderr).toContain('minted a viewer token for "victor"');
    const c = claims(jwt);
    expect(c).toMatchObject({ sub: 'victor', role: 'viewer' });
    expect(c.exp - c.iat).toBe(7200);
    expect((await call(ingress.app, 'GET', '/api/admin/failures', jwt)).status).toBe(200);
    expect((await call(ingress.app, 'POST', '/api/admin/failures/1/replay', jwt)).status).toBe(403);
  });

  it('mints admin tokens with the default 12 h lifetime', async () => {
    const out = await token(['--role', 'admin', '--sub', 'ana']);
    expect(out.code).toBe(0);
    const jwt = out.stdout.trim();
    const c = claims(jwt);
    expect(c.exp - c.iat).toBe(12 * 3600);
    expect((await call(ingress.app, 'POST', '/api/admin/failures/999999/replay', jwt)).status).toBe(404);
  });

  it('a token signed with another secret is refused', async () => {
    const out = await token(['--role', 'admin', '--sub', 'mallory'], {
      JWT_SECRET: 'another-secret-of-at-least-32-characters!',
    });
    expect(out.code).toBe(0);
    expect((await call(ingress.app, 'GET', '/api/admin/failures', out.stdout.trim())).status).toBe(401);
  });

  it('refuses bad arguments and a missing secret with one clear line', async () => {
    const noRole = await token(['--sub', 'x']);
    expect(noRole.code).toBe(2);
    expect(noRole.stderr).toContain('--role must be admin or viewer');
    expect(noRole.stdout).toBe('');
    const badRole = await token(['--role', 'root', '--sub', 'x']);
    expect(badRole.code).toBe(2);
    expect((await token(['--role', 'admin'])).stderr).toContain('--sub is required');
    expect((await token(['--role', 'admin', '--sub', 'x', '--ttl', 'forever'])).stderr).toContain(
      '--ttl is a number',
    );
    expect((await token(['--role', 'admin', '--sub', 'x', '--ttl', '365d'])).stderr).toContain('at most 90d');
    expect((await token(['--role', 'admin', '--sub', 'x', '--bogus'])).code).toBe(2);
    const noSecret = await token(['--role', 'admin', '--sub', 'x'], { JWT_SECRET: undefined });
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toContain('config: JWT_SECRET');
    expect(noSecret.stdout).toBe('');
  });

  it('reads JWT_SECRET from the stack settings file when the environment has none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cauce-token-'));
    const file = join(dir, 'local.env');
    await writeFile(file, `# test\nJWT_SECRET=${JWT_SECRET}\n`);
    const out = await token(['--role', 'viewer', '--sub', 'from-file'], {
      JWT_SECRET: undefined,
      CAUCE_SETTINGS_FILE: file,
    });
    expect(out.code, out.stderr).toBe(0);
    expect((await call(ingress.app, 'GET', '/api/admin/failures', out.stdout.trim())).status).toBe(200);
    await rm(dir, { recursive: true, force: true });
  });

  it('runs verbatim as `npm run --silent token -- …` from the repository root, with no terminal', async () => {
    // npm, not npx pnpm: `npm run token` must not need a global pnpm (nor npm's own `token` command).
    const { stdout } = await run(
      'npm',
      ['run', '--silent', 'token', '--', '--role', 'viewer', '--sub', 'via-npm', '--ttl', '5m'],
      { cwd: REPO_ROOT, env: { ...outerNpxFree(process.env), JWT_SECRET }, timeout: 60_000 },
    );
    const jwt = stdout.trim();
    expect(claims(jwt)).toMatchObject({ sub: 'via-npm', role: 'viewer' });
    expect((await call(ingress.app, 'GET', '/api/admin/queues/stats', jwt)).status).toBe(200);
  });
});

/**
 * CI runs this suite inside `npx -p node@24 -c '…'`, which leaves npm_config_call and
 * npm_config_package in the environment; an inner npx would take them as its own arguments.
 */
function outerNpxFree(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { npm_config_call: _call, npm_config_package: _pkg, ...rest } = env;
  return rest;
}
