import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './process.ts';

/** Why a Redis Cluster cannot be started here (a binary missing), or null when it can. */
export function redisClusterUnavailable(): string | null {
  for (const bin of ['redis-server', 'redis-cli'])
    try {
      execFileSync(bin, ['--version'], { stdio: 'pipe' });
    } catch {
      return `${bin} is not installed (apt-get install redis-server): Redis Cluster tests skipped`;
    }
  return null;
}

export interface RedisCluster {
  /** One node's URL; clients discover the rest (REDIS_CLUSTER=true). */
  url: string;
  ports: number[];
  stop(): Promise<void>;
}

const cli = (port: number, ...args: string[]) =>
  execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { stdio: 'pipe' }).toString();

/**
 * A private three-master Redis Cluster on free loopback ports, in a temp directory
 * (`redis-server --cluster-enabled yes`, joined with `redis-cli --cluster create`).
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'cauce-redis-cluster-'));
  const ports: number[] = [];
  const nodes: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      nodes.map(async (n) => {
        if (n.exitCode !== null || n.signalCode !== null) return;
        const exited = once(n, 'exit');
        n.kill('SIGKILL');
        await exited;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      ports.push(port);
      nodes.push(
        spawn(
          'redis-server',
          [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            '2000',
            '--dir',
            dir,
            '--dbfilename',
            `dump-${port}.rdb`,
            '--save',
            '',
            '--appendonly',
            'no',
            '--maxmemory-policy',
            'noeviction',
            '--daemonize',
            'no',
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    for (const port of ports) await until(() => cli(port, 'ping').includes('PONG'), `node ${port}`);
    execFileSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { stdio: 'pipe' },
    );
    // Every node must agree before clients connect, or their slot map is incomplete.
    for (const port of ports)
      await until(
        () => cli(port, 'cluster', 'info').includes('cluster_state:ok'),
        `cluster state on ${port}`,
      );
    return { url: `redis://127.0.0.1:${ports[0]}`, ports, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 200; i++) {
    try {
      if (check()) return;
    } catch {
      // not answering yet
    }
    await sleep(50);
  }
  throw new Error(`Redis Cluster: ${what} not ready`);
}
