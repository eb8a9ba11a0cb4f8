import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { createDb } from '@cauce/db';
import { REPO_ROOT, setupTestEnv } from '@cauce/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { connection, connectionsDir, SECRET_TOKEN } from './support.ts';

const env = await setupTestEnv();
const db = createDb(env.databaseUrl, { max: 1 });
const files = await connectionsDir();
afterAll(() => db.$disconnect());

/** The CLI as a real process, as `pnpm --filter @cauce/worker-whatsapp sync` starts it (tsx). */
function cli(args: string[], extraEnv: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', resolve(REPO_ROOT, 'apps/worker-whatsapp/src/cli.ts'), ...args],
      {
        cwd: REPO_ROOT,
        // No stack settings file: only what the test gives.
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: env.databaseUrl,
          LOG_LEVEL: 'warn',
          CAUCE_SETTINGS_FILE: '/nonexistent/cauce-settings.env',
          ...extraEnv,
        },
        timeout: 120_000, // a bound, not a latency claim: tsx start-up takes long on a loaded machine
      },
      (err, stdout, stderr) =>
        done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('sync CLI', () => {
  it('runs the sync against the database and prints the report', async () => {
    await files.write({
      connections: [
        connection('406540352242901', '+57 315 111 1111', 'Ventas'),
        connection('406540352242902', '315 222 2222', 'Soporte'),
        { alias: 'sin id' },
      ],
    });
    const res = await cli([], { WHATSAPP_CONNECTIONS_FILE: files.file });
    expect(res.code, res.stderr + res.stdout).toBe(0);
    expect(res.stdout).toMatch(/^WhatsApp numbers sync: .*connections\.json \(3 entries, \d+ ms\)/);
    expect(res.stdout).toMatch(/added\s+2 {2}Ventas \(406540352242901\), Soporte \(406540352242902\)/);
    expect(res.stdout).toContain(
      'invalid entries    1  #2 phoneNumberId: is required; displayNumber: Invalid input: expected string, received undefined',
    );
    expect(res.stdout).toMatch(
      /without a queue\s+2 {2}Ventas \(406540352242901\), Soporte \(406540352242902\)/,
    );
    expect(res.stdout + res.stderr).not.toContain(SECRET_TOKEN);
    expect(await db.crmWhatsappNumber.count()).toBe(2);

    const json = await cli(['--json', '--file', files.file]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).counts).toMatchObject({ added: 0, unchanged: 2, invalid: 1 });
  });

  it('exits 1 with a clear message on a malformed file, changing nothing', async () => {
    const before = await db.crmWhatsappNumber.findMany({ orderBy: { id: 'asc' } });
    await files.write('{"connections": [ {"phoneNumberId": 1 ');
    const res = await cli(['--file', files.file]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('whatsapp numbers sync failed, nothing changed:');
    expect(res.stderr).toContain(`${files.file}: malformed JSON`);
    expect(res.stdout).toBe('');
    expect(await db.crmWhatsappNumber.findMany({ orderBy: { id: 'asc' } })).toEqual(before);
  });

  it('--dry-run shows what it would add and deactivate and changes nothing', async () => {
    await files.write({ connections: [connection('406540352242901', '+57 315 111 1111', 'Ventas')] });
    expect((await cli(['--file', files.file, '--yes'])).code).toBe(0);
    const before = await db.crmWhatsappNumber.findMany({ orderBy: { id: 'asc' } });
    expect(before.filter((r) => r.isActive).map((r) => r.numberId)).toContain('406540352242901');
    await files.write({ connections: [connection('406540352242903', '+57 315 333 3333', 'Nuevo')] });
    const res = await cli(['--file', files.file, '--dry-run']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('DRY RUN: nothing was changed');
    expect(res.stdout).toMatch(/added\s+1 {2}Nuevo \(406540352242903\)/);
    expect(res.stdout).toMatch(/deactivated\s+\d+ {2}.*Ventas \(406540352242901\)/);
    expect(await db.crmWhatsappNumber.findMany({ orderBy: { id: 'asc' } })).toEqual(before);
  });

  it('refuses to deactivate without a terminal unless --yes, and says so', async () => {
    // The file of the previous case: applying it would deactivate Ventas.
    const before = await db.crmWhatsappNumber.findMany({ orderBy: { id: 'asc' } });
    const refused = await cli(['--file', files.file]);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toContain('refusing to deactivate');
    expect(refused.stderr).toContain('Ventas (406540352242901)');
    expect(refused.stderr).toContain('--yes');
    expect(refused.stdout).toBe('');
    expect(await db.crmWhatsappNumber.findMany({ orderBy: { id: 'asc' } })).toEqual(before);

    const forced = await cli(['--file', files.file, '--yes']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/deactivated\s+\d+ {2}.*Ventas \(406540352242901\)/);
    const ventas = await db.crmWhatsappNumber.findFirst({ where: { numberId: '406540352242901' } });
    expect(ventas?.isActive).toBe(false);
    expect(await db.crmWhatsappNumber.findFirst({ where: { numberId: '406540352242903' } })).toMatchObject({
      isActive: true,
    });
  });

  it('names the missing variable when no file is given', async () => {
    const res = await cli([]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('WHATSAPP_CONNECTIONS_FILE is missing');
  });
});
