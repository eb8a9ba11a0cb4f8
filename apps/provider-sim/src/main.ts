import { loadConfig } from '@cauce/runtime';
import { z } from 'zod';
import { buildSim } from './server.ts';

const config = loadConfig(
  z.object({
    SIM_PORT: z.coerce.number().int().default(4010),
    SIM_HOST: z.string().default('127.0.0.1'),
    /** JSON array of fault rules applied at start (see src/faults.ts). */
    SIM_FAULTS: z.string().default('[]'),
  }),
);

const { app } = await buildSim({ faults: JSON.parse(config.SIM_FAULTS), logger: false });
await app.listen({ port: config.SIM_PORT, host: config.SIM_HOST });
console.log(`provider-sim listening on http://${config.SIM_HOST}:${config.SIM_PORT}`);
const stop = () => app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
