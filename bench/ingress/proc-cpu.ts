/**
 * CPU time of processes from Linux /proc: utime + stime of /proc/<pid>/stat, in microseconds.
 * bench:ingress reads it before and after a load window for the server, every PostgreSQL process
 * of its private cluster, its private Redis server and itself (the load generator).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

interface Stat {
  ppid: number;
  cpuUs: number;
}

/** utime + stime (µs) and the parent pid; null for a process that is gone. */
export function procStat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields start after the last ")".
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), cpuUs: ((Number(f[11]) + Number(f[12])) * 1e6) / TICKS_PER_S };
  } catch {
    return null;
  }
}

/** A process and every process whose parent it is (PostgreSQL: the postmaster and its backends). */
export function withChildren(root: number): number[] {
  const pids = [root];
  for (const d of readdirSync('/proc')) {
    const pid = Number(d);
    if (pid && procStat(pid)?.ppid === root) pids.push(pid);
  }
  return pids;
}

/**
 * CPU used since `start()` by each group: `pids()` is asked at the start and the end, so processes
 * born in the window (a new backend) count from their birth; one that ended in it loses its share.
 */
export function cpuMeter(groups: Record<string, () => number[]>) {
  const before = new Map<string, Map<number, number>>();
  const snap = (pids: number[]) =>
    new Map(pids.flatMap((p) => ((s) => (s ? [[p, s.cpuUs] as const] : []))(procStat(p))));
  return {
    start() {
      for (const [name, pids] of Object.entries(groups)) before.set(name, snap(pids()));
    },
    /** µs per group since start(). */
    read(): Record<string, number> {
      const out: Record<string, number> = {};
      for (const [name, pids] of Object.entries(groups)) {
        const was = before.get(name) ?? new Map();
        let us = 0;
        for (const [pid, cpu] of snap(pids())) us += cpu - (was.get(pid) ?? 0);
        out[name] = us;
      }
      return out;
    },
  };
}
