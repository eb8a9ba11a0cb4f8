import { WORKER_APPS } from '@cauce/queues';
import { connectedApps, QUEUE_STATES } from '@cauce/runtime';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readQueueStats } from '../../admin/queue-stats.ts';
import type { IngressDeps } from '../../context.ts';
import { doc, errorReply, VIEWER_AUTH } from '../../http/schemas.ts';
import { withTimeout } from '../../with-timeout.ts';

/**
 * The console's overview (docs/console.md) in one read: which worker apps are connected (Redis'
 * client list, packages/runtime worker-registry.ts), each queue's backlog and oldest waiting age,
 * dead letters not replayed, each sync source's last run and last success (sync_runs), webhooks
 * per provider per hour over the last 24 h (webhook_events) and the latest failures.
 */
const HOURS = 24;
const RECENT_FAILURES = 10;

const overview = z.object({
  generatedAt: z.string(),
  workers: z.array(z.object({ app: z.string(), connections: z.number().int(), up: z.boolean() })),
  queues: z.array(
    z.object({
      name: z.string(),
      paused: z.boolean(),
      counts: z.record(z.enum(QUEUE_STATES), z.number().int()),
      oldestWaitingSeconds: z.number(),
    }),
  ),
  deadLetters: z.object({ waiting: z.number().int().describe('dead letters never replayed') }),
  syncs: z.array(
    z.object({
      source: z.string(),
      lastStatus: z.string(),
      lastStartedAt: z.string(),
      lastSucceededAt: z.string().nullable(),
    }),
  ),
  webhooks: z.object({
    hours: z.array(z.string()).describe(`the start of each of the last ${HOURS} hours, oldest first`),
    providers: z.array(
      z.object({ provider: z.string(), counts: z.array(z.number().int()).describe('events per hour') }),
    ),
  }),
  recentFailures: z.array(
    z.object({
      id: z.string(),
      queue: z.string(),
      jobName: z.string(),
      error: z.string(),
      failedAt: z.string(),
    }),
  ),
});

export async function overviewRoutes(scope: FastifyInstance, { db, producer, redis, config }: IngressDeps) {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/admin/overview',
    {
      preValidation: app.requireRole('viewer'),
      schema: {
        ...doc({
          summary:
            "The console's overview: workers, queues, dead letters, syncs, webhooks per hour, failures",
          description: 'Failure messages are redacted for viewers.',
          tags: ['admin'],
          auth: 'viewer',
        }),
        response: {
          200: overview.describe('the overview'),
          503: errorReply.describe('Redis did not answer within ADMIN_QUEUE_TIMEOUT_MS'),
          ...VIEWER_AUTH,
        },
      },
    },
    async (_req, reply) => {
      const hourNow = Math.floor(Date.now() / 3_600_000) * 3_600_000;
      const hours = Array.from({ length: HOURS }, (_, i) => new Date(hourNow - (HOURS - 1 - i) * 3_600_000));
      const since = hours[0]!;
      const [waiting, syncRows, hookRows, failures] = await Promise.all([
        db.jobFailure.count({ where: { replayedAt: null } }),
        db.$queryRaw<Array<{ source: string; status: string; started_at: Date; succeeded_at: Date | null }>>`
          SELECT DISTINCT ON (r.source) r.source, r.status, r.started_at,
                 (SELECT max(coalesce(s.finished_at, s.updated_at)) FROM sync_runs s
                   WHERE s.source = r.source AND s.status = 'succeeded') AS succeeded_at
            FROM sync_runs r ORDER BY r.source, r.started_at DESC`,
        db.$queryRaw<Array<{ provider: string; hour: Date; n: bigint }>>`
          SELECT provider, date_trunc('hour', received_at) AS hour, count(*) AS n
            FROM webhook_events WHERE received_at >= ${since}
           GROUP BY 1, 2`,
        db.jobFailure.findMany({ orderBy: { id: 'desc' }, take: RECENT_FAILURES }),
      ]);
      let workers: Record<string, number>;
      let queues: Awaited<ReturnType<typeof readQueueStats>>;
      try {
        [workers, queues] = await Promise.all([
          withTimeout(connectedApps(redis, config.QUEUE_PREFIX, WORKER_APPS), config.ADMIN_QUEUE_TIMEOUT_MS),
          readQueueStats(producer, config.ADMIN_QUEUE_TIMEOUT_MS),
        ]);
      } catch (err) {
        return reply.code(503).send({ error: 'queue_unavailable', message: (err as Error).message });
      }
      const byProvider = new Map<string, number[]>();
      for (const r of hookRows) {
        const i = Math.round((r.hour.getTime() - since.getTime()) / 3_600_000);
        if (i < 0 || i >= HOURS) continue;
        const counts = byProvider.get(r.provider) ?? new Array<number>(HOURS).fill(0);
        counts[i] = (counts[i] ?? 0) + Number(r.n);
        byProvider.set(r.provider, counts);
      }
      return {
        generatedAt: new Date().toISOString(),
        workers: WORKER_APPS.map((a) => ({
          app: a,
          connections: workers[a] ?? 0,
          up: (workers[a] ?? 0) > 0,
        })),
        queues,
        deadLetters: { waiting },
        syncs: syncRows.map((r) => ({
          source: r.source,
          lastStatus: r.status,
          lastStartedAt: r.started_at.toISOString(),
          lastSucceededAt: r.succeeded_at ? r.succeeded_at.toISOString() : null,
        })),
        webhooks: {
          hours: hours.map((h) => h.toISOString()),
          providers: [...byProvider.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([provider, counts]) => ({ provider, counts })),
        },
        recentFailures: failures.map((f) => ({
          id: String(f.id),
          queue: f.queue,
          jobName: f.jobName,
          error: f.error,
          failedAt: f.failedAt.toISOString(),
        })),
      };
    },
  );
}
