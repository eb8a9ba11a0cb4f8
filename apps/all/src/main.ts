#!/usr/bin/env node
/**
 * `cauce all` (`npm run all`; in production `node dist/main.js all`): the ingress and every
 * worker in one process. `cauce <role> [<role>…]` runs only those (e.g. `cauce ingress
 * worker-orders`). SIGTERM/SIGINT stop every role gracefully; a second signal exits at once.
 * Each app still starts alone with its own `node dist/main.js`.
 */
import { startAllInOne } from './all-in-one.ts';
import { ROLE_NAMES } from './roles.ts';

const args = process.argv.slice(2);
const names = args.length === 0 || args.includes('all') ? ROLE_NAMES : args;
const unknown = names.filter((n) => !ROLE_NAMES.includes(n));
if (unknown.length) {
  process.stderr.write(
    `cauce: unknown role ${unknown.join(', ')}; use all or some of: ${ROLE_NAMES.join(', ')}\n`,
  );
  process.exit(2);
}

const app = await startAllInOne(names);
let signals = 0;
const stop = (signal: NodeJS.Signals) => {
  if (++signals > 1) process.exit(1);
  process.stdout.write(`${JSON.stringify({ msg: 'all-in-one shutting down', signal })}\n`);
  app.close().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`all-in-one: error during shutdown: ${err instanceof Error ? err.stack : err}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
