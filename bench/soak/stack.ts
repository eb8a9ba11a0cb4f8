import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../packages/testkit/src/process.ts';

/** The apps of a Cauce stack: entry points and the port each serves /health on. */
export const WORKERS = [
  'worker-bookings',
  'worker-orders',
  'worker-stock',
  'worker-staging',
  'worker-whatsapp',
] as const;
export type WorkerName = (typeof WORKERS)[number];

/** How a process is started: node's arguments and its working directory. */
export interface Launch {
  args: string[];
  cwd: string;
}

/** From source through tsx, as `npm run stack` does (the entry relative to the repository). */
export const fromSource = (entry: string, ...argv: string[]): Launch => ({
  args: ['--import', 'tsx', entry, ...argv],
  cwd: REPO_ROOT,
});

/**
 * Compiled, from a `npm run deploy:prod` folder (`<dir>/<service>`), with node's arguments from
 * that service's command in docker-compose.yml: what production runs, flags included.
 */
export function fromDeploy(deployDir: string, service: string): Launch {
  const compose = parse(readFileSync(resolve(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { command?: string[]; working_dir?: string }>;
  };
  const s = compose.services[service];
  const command = s?.command;
  if (command?.[0] !== 'node' || !s?.working_dir)
    throw new Error(`docker-compose.yml: ${service} has no node command and working_dir`);
  return { args: command.slice(1), cwd: join(deployDir, basename(s.working_dir)) };
}

export interface StackProcess {
  name: string;
  entry: string | Launch;
  extraEnv: Record<string, string>;
  proc: ChildProcess;
  restarts: number;
}

/**
 * Runs apps as real child processes (tsx, or compiled: `Launch`), keeps the last lines each printed for the report,
 * and can kill -9 and restart one, as the chaos script does.
 */
export class Stack {
  readonly procs = new Map<string, StackProcess>();
  private readonly tails = new Map<string, string[]>();

  constructor(private readonly env: Record<string, string>) {}

  start(name: string, entry: string | Launch, env: Record<string, string> = {}): StackProcess {
    const launch = typeof entry === 'string' ? fromSource(entry) : entry;
    const proc = spawn(process.execPath, launch.args, {
      cwd: launch.cwd,
      env: { ...process.env, ...this.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail = this.tails.get(name) ?? [];
    this.tails.set(name, tail);
    for (const s of [proc.stdout, proc.stderr])
      s?.on('data', (d: Buffer) => {
        for (const line of d.toString().split('\n')) if (line.trim()) tail.push(line.slice(0, 400));
        if (tail.length > 2000) tail.splice(0, tail.length - 2000);
      });
    const prev = this.procs.get(name);
    const p: StackProcess = { name, entry, extraEnv: env, proc, restarts: prev ? prev.restarts + 1 : 0 };
    this.procs.set(name, p);
    return p;
  }

  /** kill -9, then start the same app again. */
  async crashAndRestart(name: string): Promise<void> {
    const p = this.procs.get(name);
    if (!p) throw new Error(`no process ${name}`);
    const exited = once(p.proc, 'exit');
    p.proc.kill('SIGKILL');
    await exited;
    this.start(name, p.entry, p.extraEnv);
  }

  pids(): Record<string, number> {
    return Object.fromEntries([...this.procs].map(([n, p]) => [n, p.proc.pid ?? 0]));
  }

  tail(name: string, n = 20): string[] {
    return (this.tails.get(name) ?? []).slice(-n);
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.procs.values()].map(async ({ proc }) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = once(proc, 'exit');
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

/** Resident set size of a process in MB (Linux /proc). */
export async function rssMb(pid: number): Promise<number | null> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * What a process's resident memory is made of (MB, /proc/<pid>/smaps_rollup): `anon` is its own
 * (heap, stacks, malloc), `file` is mapped files (the node binary, libraries), whose pages every
 * process of one image shares (one copy in memory, counted again in each one's RSS).
 */
export async function memoryMb(pid: number): Promise<{ anon: number; file: number } | null> {
  const { readFile } = await import('node:fs/promises');
  try {
    const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    const mb = (n: number) => Math.round(n / 1024);
    return { anon: mb(kb('Anonymous')), file: mb(kb('Rss') - kb('Anonymous')) };
  } catch {
    return null;
  }
}

export async function waitHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
