/**
 * Where a load window's database work goes, per acknowledged webhook: PostgreSQL commits and WAL
 * (pg_stat_database, pg_stat_wal), its statements (pg_stat_statements, when the cluster preloads
 * it) and Redis commands (INFO commandstats). bench:ingress prints it for the ingress run.
 */
import type { Redis } from 'ioredis';
import type pg from 'pg';

interface Snapshot {
  commits: number;
  walBytes: number;
  redis: Map<string, { calls: number; usec: number }>;
}

async function redisCommands(redis: Redis) {
  const out = new Map<string, { calls: number; usec: number }>();
  // cmdstat_evalsha:calls=12,usec=345,usec_per_call=...
  for (const m of (await redis.info('commandstats')).matchAll(/cmdstat_([^:]+):calls=(\d+),usec=(\d+)/g))
    out.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  return out;
}

async function snapshot(client: pg.Client, redis: Redis): Promise<Snapshot> {
  const { rows } = await client.query<{ commits: string; wal: string }>(
    `SELECT (SELECT sum(xact_commit) FROM pg_stat_database) AS commits,
            (SELECT wal_bytes FROM pg_stat_wal) AS wal`,
  );
  return {
    commits: Number(rows[0]!.commits),
    walBytes: Number(rows[0]!.wal),
    redis: await redisCommands(redis),
  };
}

export async function dbProfile(client: pg.Client, redis: Redis) {
  const statements =
    (
      await client.query(
        `SELECT 1 FROM pg_extension e, pg_settings s
         WHERE e.extname = 'pg_stat_statements' AND s.name = 'shared_preload_libraries'
           AND s.setting LIKE '%pg_stat_statements%'`,
      )
    ).rowCount === 1;
  let before: Snapshot | undefined;
  return {
    async start() {
      if (statements) await client.query('SELECT pg_stat_statements_reset()');
      before = await snapshot(client, redis);
    },
    /** Lines of text: the window's costs divided by `acknowledged`. */
    async report(acknowledged: number): Promise<string> {
      const after = await snapshot(client, redis);
      const per = (n: number) => (acknowledged ? n / acknowledged : 0);
      const lines = [
        `PostgreSQL: ${per(after.commits - before!.commits).toFixed(3)} commits and ${per(after.walBytes - before!.walBytes).toFixed(0)} WAL bytes per webhook`,
      ];
      if (statements) {
        const { rows } = await client.query<{ calls: string; ms: string; rows: string; query: string }>(
          `SELECT calls, total_exec_time AS ms, rows, query FROM pg_stat_statements
           WHERE query NOT LIKE '%pg_stat_%' ORDER BY total_exec_time DESC LIMIT 8`,
        );
        const total = rows.reduce((s, r) => s + Number(r.ms), 0);
        lines.push('statements (pg_stat_statements, execution time only)  calls/webhook  µs/webhook  share');
        for (const r of rows)
          lines.push(
            `  ${r.query.replace(/\s+/g, ' ').slice(0, 60).padEnd(60)} ${per(Number(r.calls)).toFixed(3).padStart(8)} ${per(
              Number(r.ms) * 1000,
            )
              .toFixed(1)
              .padStart(10)} ${((Number(r.ms) / (total || 1)) * 100).toFixed(0).padStart(5)}%`,
          );
      } else lines.push('(statements: run with BENCH_PG_STATEMENTS=1 to load pg_stat_statements)');
      const cmds = [...after.redis]
        .map(([name, a]) => {
          const b = before!.redis.get(name) ?? { calls: 0, usec: 0 };
          return { name, calls: a.calls - b.calls, usec: a.usec - b.usec };
        })
        .filter((c) => c.calls > 0 && c.name !== 'info')
        .sort((x, y) => y.usec - x.usec);
      lines.push(
        `Redis commands (INFO commandstats): ${cmds
          .slice(0, 8)
          .map((c) => `${c.name} ${per(c.calls).toFixed(2)} calls ${per(c.usec).toFixed(1)} µs`)
          .join('; ')}`,
      );
      return lines.join('\n');
    },
  };
}
