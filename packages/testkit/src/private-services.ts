import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process.ts';

/**
 * A PostgreSQL cluster and a Redis server of our own (temp dirs, free ports), so outage tests and
 * the soak's chaos script can stop and restart them without touching the shared services.
 */
export interface PrivateServices {
  databaseUrl: string;
  redisUrl: string;
  stopPostgres(): void;
  startPostgres(): void;
  /**
   * Freezes PostgreSQL without closing anything (SIGSTOP on the postmaster and every backend):
   * connections stay open and TCP connects still succeed, but nothing answers — a hung server.
   */
  pausePostgres(): void;
  /** SIGCONT: the frozen server carries on where it stopped. */
  resumePostgres(): void;
  stopRedis(): Promise<void>;
  /** `empty`: Redis comes back without its data (a restart that lost its AOF, a failover, a flush). */
  startRedis(opts?: { empty?: boolean }): Promise<void>;
  restartPostgres(downMs: number): Promise<void>;
  restartRedis(downMs: number, opts?: { empty?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pgBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort().reverse();
  if (!versions.length) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql');
  return `/usr/lib/postgresql/${versions[0]}/bin/${name}`;
}

/** initdb refuses to run as root: run the PostgreSQL tools as the postgres user when we are root. */
function asPostgres(cmd: string, args: string[]) {
  const uid = process.getuid?.() ?? 1;
  return uid === 0 ? { cmd: 'runuser', args: ['-u', 'postgres', '--', cmd, ...args] } : { cmd, args };
}

function runPg(cmd: string, args: string[]) {
  const c = asPostgres(pgBin(cmd), args);
  execFileSync(c.cmd, c.args, { stdio: 'pipe' });
}

export interface PrivateServicesOptions {
  /** Extra PostgreSQL settings (`-c name=value`), e.g. shared_preload_libraries for a profile. */
  postgresSettings?: Record<string, string>;
}

export async function startPrivateServices(opts: PrivateServicesOptions = {}): Promise<PrivateServices> {
  const extra = Object.entries(opts.postgresSettings ?? {})
    .map(([k, v]) => ` -c ${k}=${v}`)
    .join('');
  const dir = mkdtempSync(join(tmpdir(), 'cauce-soak-'));
  chmodSync(dir, 0o755);
  const pgData = join(dir, 'pg');
  const pgPort = await freePort();
  if (process.getuid?.() === 0) {
    execFileSync('mkdir', ['-p', pgData]);
    chownSync(pgData, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), -1);
  }
  runPg('initdb', ['-D', pgData, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const pgStart = () =>
    runPg('pg_ctl', [
      '-D',
      pgData,
      '-w',
      '-l',
      join(pgData, 'log.txt'),
      '-o',
      `-p ${pgPort} -k ${pgData} -c listen_addresses=127.0.0.1 -c max_connections=300${extra}`,
      'start',
    ]);
  const pgStop = () => runPg('pg_ctl', ['-D', pgData, '-m', 'fast', '-w', 'stop']);
  // The postmaster alone is not enough: existing backends would keep answering their clients.
  // It is stopped first, so it cannot start a backend between the listing and the signals.
  const postmasterPid = () =>
    Number(readFileSync(join(pgData, 'postmaster.pid'), 'utf8').split('\n')[0]!.trim());
  const backendPids = (postmaster: number) =>
    execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)])
      .toString()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  const pgPause = () => {
    const postmaster = postmasterPid();
    process.kill(postmaster, 'SIGSTOP');
    for (const pid of backendPids(postmaster)) process.kill(pid, 'SIGSTOP');
  };
  const pgResume = () => {
    const postmaster = postmasterPid();
    for (const pid of backendPids(postmaster)) process.kill(pid, 'SIGCONT');
    process.kill(postmaster, 'SIGCONT');
  };
  pgStart();

  const redisPort = await freePort();
  let redis: ChildProcess | undefined;
  const redisStart = async ({ empty = false }: { empty?: boolean } = {}) => {
    if (empty) {
      rmSync(join(dir, 'appendonlydir'), { recursive: true, force: true });
      rmSync(join(dir, 'dump.rdb'), { force: true });
    }
    redis = spawn(
      'redis-server',
      [
        '--port',
        String(redisPort),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync('redis-cli', ['-p', String(redisPort), 'ping'], { stdio: 'pipe' });
        return;
      } catch {
        await sleep(50);
      }
    }
    throw new Error('private redis-server did not start');
  };
  const redisStop = async () => {
    if (!redis || redis.exitCode !== null) return;
    const exited = once(redis, 'exit');
    redis.kill('SIGTERM'); // a clean shutdown writes the AOF, as a service restart would
    await exited;
  };
  await redisStart();

  return {
    databaseUrl: `postgresql://postgres@127.0.0.1:${pgPort}/postgres`,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    stopPostgres: pgStop,
    startPostgres: pgStart,
    pausePostgres: pgPause,
    resumePostgres: pgResume,
    stopRedis: redisStop,
    startRedis: redisStart,
    async restartPostgres(downMs) {
      pgStop();
      await sleep(downMs);
      pgStart();
    },
    async restartRedis(downMs, opts) {
      await redisStop();
      await sleep(downMs);
      await redisStart(opts);
    },
    async stop() {
      await redisStop();
      try {
        pgResume(); // a test that failed while paused must not block the stop
      } catch {
        // not running
      }
      try {
        pgStop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
