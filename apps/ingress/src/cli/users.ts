/**
 * Operators' users from a shell (docs/operations-admin.md, "Users and sessions"):
 *
 *   npm run --silent users -- list
 *   npm run --silent users -- add --name ana --role viewer
 *   npm run --silent users -- passwd --name ana
 *   npm run --silent users -- disable --name ana     (her sessions end at once)
 *   npm run --silent users -- enable --name ana
 *
 * add and passwd read the password from stdin (first line) when stdin is not a terminal, or ask
 * for it (hidden) on a terminal; an empty answer generates one, printed once on stdout (nothing
 * else goes there). Reads DATABASE_URL like the stack: environment first, then .cauce/local.env.
 */
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { AccountError, Accounts, USER_ROLES, userName } from '../users/accounts.ts';
import { generatePassword, passwordProblem } from '../users/passwords.ts';
import { cliArgs, type Fail } from './args.ts';

const USAGE = `usage: npm run --silent users -- list
       npm run --silent users -- add --name NAME --role admin|viewer
       npm run --silent users -- passwd --name NAME
       npm run --silent users -- disable --name NAME
       npm run --silent users -- enable --name NAME
(add, passwd: the password comes from stdin, or is asked for on a terminal; empty: one is generated and printed)`;

const parsed = cliArgs('users', USAGE, { name: { type: 'string' }, role: { type: 'string' } }, true);
const fail: Fail = parsed.fail;
const [command, ...extra] = parsed.positionals;
if (!command || extra.length || !['list', 'add', 'passwd', 'disable', 'enable'].includes(command))
  fail(command ? `unknown command "${[command, ...extra].join(' ')}"` : 'a command is required');
const needsName = command !== 'list';
const name = needsName
  ? (userName.safeParse(parsed.values.name ?? '').data ??
    fail(parsed.values.name ? 'a user name is 1 to 64 letters, digits, . _ @ or -' : '--name is required'))
  : undefined;
const role =
  command === 'add'
    ? (z.enum(USER_ROLES).safeParse(parsed.values.role).data ?? fail('--role must be admin or viewer'))
    : undefined;

/** Hidden prompt on a terminal; the first line of stdin otherwise. Empty: none given. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text.split(/\r?\n/)[0] ?? '';
  }
  const ask = (prompt: string) =>
    new Promise<string>((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
      // Echo the prompt only, not what is typed.
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s) => {
        if (s.startsWith(prompt)) process.stderr.write(prompt);
      };
      rl.question(prompt, (answer) => {
        rl.close();
        process.stderr.write('\n');
        resolve(answer);
      });
    });
  const first = await ask('password (empty: generate one): ');
  if (!first) return '';
  if ((await ask('again: ')) !== first) fail('the two passwords differ', 1);
  return first;
}

async function passwordFor(): Promise<{ password: string; generated: boolean }> {
  const given = await readPassword();
  if (!given) return { password: generatePassword(), generated: true };
  const problem = passwordProblem(given);
  if (problem) fail(problem, 1);
  return { password: given, generated: false };
}

// Loaded only once the arguments are good: a usage error answers without them.
const { baseEnv, loadConfig, withLocalSettings } = await import('@cauce/runtime');
const { createDb } = await import('@cauce/db');
const config = loadConfig(z.object({ DATABASE_URL: baseEnv.shape.DATABASE_URL }), withLocalSettings());
const db = createDb(config.DATABASE_URL, { max: 1 });
// Audit lines go to stderr, so stdout holds only what a script may capture.
const log = {
  info: (o: unknown, msg?: string) => process.stderr.write(`${msg ?? ''} ${JSON.stringify(o)}\n`),
  warn: (o: unknown, msg?: string) => process.stderr.write(`${msg ?? String(o)}\n`),
};
const accounts = new Accounts(db, log as never);
const by = `cli:${userInfo().username}`;

try {
  if (command === 'list') {
    const users = await accounts.list();
    const rows = users.map((u) => [
      u.name,
      u.role,
      u.disabled ? 'disabled' : 'enabled',
      u.lastLoginAt ?? 'never',
    ]);
    const table = [['NAME', 'ROLE', 'STATUS', 'LAST LOGIN'], ...rows];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
    for (const r of table)
      process.stdout.write(
        `${r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
      );
  } else if (command === 'add' || command === 'passwd') {
    const { password, generated } = await passwordFor();
    if (command === 'add') await accounts.add({ name: name!, role: role!, password }, by);
    else await accounts.setPassword(name!, password, by);
    process.stderr.write(
      command === 'add'
        ? `added ${role} "${name}"${generated ? '; generated password (shown once) on stdout' : ''}\n`
        : `password of "${name}" changed; their sessions ended${generated ? '; generated password (shown once) on stdout' : ''}\n`,
    );
    if (generated) process.stdout.write(`${password}\n`);
  } else {
    const user = await accounts.setDisabled(name!, command === 'disable', by);
    process.stderr.write(`${user.name} is ${user.disabled ? 'disabled; their sessions ended' : 'enabled'}\n`);
  }
} catch (err) {
  if (err instanceof AccountError) fail(err.message, 1);
  const message = (err as Error).message ?? String(err);
  fail(
    /relation "?(public\.)?users"? does not exist|table `?(public\.)?users`? does not exist/i.test(message)
      ? 'the users table does not exist yet: run `npm run db:migrate` (or `npm run stack`) first'
      : message,
    1,
  );
} finally {
  await db.$disconnect();
}
