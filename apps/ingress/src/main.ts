import { loadConfig } from '@cauce/runtime';
import { ingressEnv } from './config.ts';
import { startIngress } from './role.ts';

const config = loadConfig(ingressEnv);
const ingress = await startIngress(config);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) process.exit(1);
  stopping = true;
  ingress.deps.log.info({ signal }, 'ingress shutting down');
  await ingress.close(); // stops accepting, lets in-flight requests finish
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
