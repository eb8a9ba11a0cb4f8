import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './process.ts';

const BINARIES = ['pgbouncer', '/usr/sbin/pgbouncer'];

function pgbouncerBinary(): string | null {
  for (const bin of BINARIES)
    try {
      execFileSync(bin, ['--version'], { stdio: 'pipe' });
      return bin;
    } catch {
      // next
    }
  return null;
}

/** Why PgBouncer cannot be started here (binary missing), or null when it can. */
export function pgbouncerUnavailable(): string | null {
  return pgbouncerBinary()
    ? null
    : 'pgbouncer is not installed (apt-get install pgbouncer): PgBouncer transaction-mode tests skipped';
}

export interface PgBouncer {
  /** `databaseUrl` with PgBouncer's address instead of PostgreSQL's. */
  url: string;
  /** PgBouncer's version line, e.g. "PgBouncer 1.18.0". */
  version: string;
  stop(): Promise<void>;
}

/**
 * A private PgBouncer in TRANSACTION mode in front of `databaseUrl`'s server (trust auth, a free
 * loopback port, its config in a temp directory): what hosted PostgreSQL poolers look like.
 * Started as root (CI), it drops to the `postgres` user, as PgBouncer refuses to run as root.
 */
export async function startPgBouncer(databaseUrl: string): Promise<PgBouncer> {
  const bin = pgbouncerBinary();
  if (!bin) throw new Error(pgbouncerUnavailable()!);
  const upstream = new URL(databaseUrl);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cauce-pgbouncer-'));
  chmodSync(dir, 0o755);
  const user = decodeURIComponent(upstream.username || 'postgres');
  const version = execFileSync(bin, ['--version'], { stdio: 'pipe' }).toString().split('\n')[0]!.trim();
  const minor = Number(/PgBouncer 1\.(\d+)/.exec(version)?.[1] ?? 0);
  writeFileSync(join(dir, 'userlist.txt'), `"${user}" ""\n`, { mode: 0o644 });
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${upstream.hostname} port=${upstream.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 500',
      // Few server connections for many clients: each transaction may land on another one.
      'default_pool_size = 4',
      // PgBouncer ≥ 1.21 keeps protocol-level prepared statements across server connections with
      // this; older ones refuse the setting (their clients need DB_PREPARED_STATEMENTS=false).
      ...(minor >= 21 ? ['max_prepared_statements = 200'] : []),
      // Sent by pg and Prisma at connect; a transaction pooler cannot keep them per client.
      'ignore_startup_parameters = extra_float_digits,statement_timeout,options',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const args = [join(dir, 'pgbouncer.ini')];
  if (process.getuid?.() === 0) args.unshift('-u', 'postgres');
  const proc: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-4000);
  });
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) break;
    if (await accepts(port)) {
      const url = new URL(databaseUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return { url: url.toString(), version, stop };
    }
    await sleep(50);
  }
  await stop();
  throw new Error(`pgbouncer did not start: ${stderr}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
