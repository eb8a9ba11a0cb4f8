import { simEnvSchema } from '@cauce/provider-sim/config';
import { buildSim } from '@cauce/provider-sim/server';
import { loadConfig } from '@cauce/runtime';

const config = loadConfig(simEnvSchema);

const limits = ['off', 'published'].includes(config.SIM_LIMITS)
  ? config.SIM_LIMITS
  : JSON.parse(config.SIM_LIMITS);
const { app } = await buildSim({ faults: JSON.parse(config.SIM_FAULTS), limits, logger: false });
await app.listen({ port: config.SIM_PORT, host: config.SIM_HOST });
console.log(`provider-sim listening on http://${config.SIM_HOST}:${config.SIM_PORT}`);
const stop = () => app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
