/**
 * Moves the jobs waiting under the old queue prefix to the current one:
 * `npm run queues:move-prefix -- [--from cauce] [--to '{cauce}'] [--dry-run]`. Run it once after
 * upgrading from a version whose default prefix was `cauce`, with the old workers stopped
 * (docs/operations.md, "Changed default prefix"). Prints one line per queue that had anything.
 */
import { ActiveJobsError, moveQueuePrefix } from '@cauce/queues';
import { baseEnv, createRedis, loadConfig, withLocalSettings } from '@cauce/runtime';
import { z } from 'zod';
import { cliArgs, type Fail } from './args.ts';

const USAGE = "usage: npm run queues:move-prefix -- [--from cauce] [--to '{cauce}'] [--dry-run]";

const cli = cliArgs('queues:move-prefix', USAGE, {
  from: { type: 'string' },
  to: { type: 'string' },
  'dry-run': { type: 'boolean' },
});
const { values } = cli;
const fail: Fail = cli.fail;
const config = loadConfig(
  z.object({
    REDIS_URL: baseEnv.shape.REDIS_URL,
    REDIS_CLUSTER: baseEnv.shape.REDIS_CLUSTER,
    QUEUE_PREFIX: baseEnv.shape.QUEUE_PREFIX,
  }),
  withLocalSettings(),
);
// The old prefix has no hash tag, so it never ran on a cluster: there is nothing to move there.
if (config.REDIS_CLUSTER)
  fail('REDIS_CLUSTER is set: jobs under an untagged prefix cannot exist on a cluster', 1);
const from = values.from ?? 'cauce';
const to = values.to ?? config.QUEUE_PREFIX;
if (from === to) fail(`--from and --to are both "${from}"`);

const redis = createRedis(config.REDIS_URL);
const dryRun = !!values['dry-run'];
try {
  const reports = await moveQueuePrefix({ connection: redis, from, to, dryRun });
  let moved = 0;
  for (const r of reports) {
    moved += r.moved;
    if (!r.moved && !r.alreadyThere && !r.schedulers && !r.left.flow && !r.left.failed) continue;
    process.stdout.write(
      `${r.queue}: ${dryRun ? 'would move' : 'moved'} ${r.moved}` +
        (r.alreadyThere ? `, ${r.alreadyThere} already under "${to}"` : '') +
        (r.schedulers
          ? `, ${r.schedulers} job schedulers ${dryRun ? 'to remove' : 'removed'} (the workers recreate them)`
          : '') +
        (r.left.flow ? `, ${r.left.flow} flow jobs left (let them finish under "${from}")` : '') +
        (r.left.failed ? `, ${r.left.failed} failed jobs left (their dead letters are in the console)` : '') +
        '\n',
    );
  }
  process.stdout.write(`${dryRun ? 'would move' : 'moved'} ${moved} jobs from "${from}" to "${to}"\n`);
} catch (err) {
  if (err instanceof ActiveJobsError) fail(err.message, 1);
  throw err;
} finally {
  await redis.quit();
}
