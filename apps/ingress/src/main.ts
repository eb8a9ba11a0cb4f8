import { loadConfig } from '@cauce/runtime';
import { buildIngress } from './app.ts';
import { ingressEnv } from './config.ts';
import { createDeps } from './deps.ts';

const config = loadConfig(ingressEnv);
const deps = await createDeps(config);
const app = await buildIngress(deps);
await app.listen({ port: config.PORT, host: config.HOST });

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) process.exit(1);
  stopping = true;
  deps.log.info({ signal }, 'ingress shutting down');
  await app.close(); // stops accepting, lets in-flight requests finish
  await deps.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
