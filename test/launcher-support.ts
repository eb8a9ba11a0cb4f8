import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { waitFor } from '@cauce/testkit';

/** The launcher (npm run stack, or scripts/start.ts) as a real process group, with its output. */
export interface Launched {
  proc: ChildProcess;
  output(): string;
  /**
   * A signal to the whole group (SIGTERM, or SIGINT as Ctrl-C sends it); resolves when the
   * launcher's output closed (it and its children ended).
   */
  stop(signal?: 'SIGTERM' | 'SIGINT'): Promise<void>;
}

export function launch(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }) {
  // Own process group, so the test can signal npm, pnpm and the launcher together, as Ctrl-C does.
  const proc = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  proc.stdout?.on('data', (d) => {
    out += d;
  });
  proc.stderr?.on('data', (d) => {
    out += d;
  });
  // The launcher writes to these pipes until it exits (its children have their own pipes to it).
  const closed = Promise.all([once(proc.stdout!, 'close'), once(proc.stderr!, 'close')]);
  const launched: Launched = {
    proc,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      try {
        process.kill(-proc.pid!, signal);
      } catch {
        // already gone
      }
      await closed;
    },
  };
  return launched;
}

/** Polls /api/ready until the ingress is ready and every worker app is up. */
export async function waitAllUp(ingress: string, launched: Launched, timeoutMs = 240_000) {
  return waitFor(
    async () => {
      if (launched.proc.exitCode !== null && !launched.output().includes('Ctrl-C'))
        throw new Error(`launcher exited early:\n${launched.output()}`);
      const res = await fetch(`${ingress}/api/ready`);
      const body = (await res.json()) as { status: string; workers: Record<string, string> };
      return res.ok && Object.values(body.workers).every((w) => w === 'up') ? body : null;
    },
    { timeoutMs, intervalMs: 200, message: `every worker up at ${ingress}/api/ready` },
  );
}

/** A launcher child's pid from its "started (pid N)" line (the last one: after restarts, the live one). */
export function childPid(output: string, label: string): number | null {
  const re = new RegExp(`\\[${label}\\]\\s+started \\(pid (\\d+)\\)`, 'g');
  const all = [...output.matchAll(re)];
  return all.length ? Number(all[all.length - 1]![1]) : null;
}

/**
 * A newcomer's shell: without the npm_config_* an outer `npx -c` leaves behind (an inner npx would
 * take them as its own), but with the machine's TLS and proxy settings. Under `npx -p node@24`,
 * npm looks for its global npmrc next to that node, not /usr/etc/npmrc, so without
 * NODE_EXTRA_CA_CERTS every registry fetch behind a TLS-inspecting proxy fails three times (about
 * 70 s) before npx falls back to its cache: that is what timed out the clone's `npm run stack`.
 */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'XDG_CACHE_HOME', 'XDG_DATA_HOME'];
  const machine = /^(NODE_EXTRA_CA_CERTS|SSL_CERT_(FILE|DIR)|(HTTPS?|NO|ALL)_PROXY)$/i;
  const out: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k]) out[k] = process.env[k];
  for (const [k, v] of Object.entries(process.env)) if (machine.test(k) && v) out[k] = v;
  return { ...out, ...extra };
}
