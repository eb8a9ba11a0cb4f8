/**
 * Prints the variables that point every Cauce app at provider-sim listening on `base`, as .env
 * lines: `npx tsx scripts/sim-env.ts http://provider-sim:4010 >> .env` for the compose demo.
 */
import { simEnv } from '@cauce/provider-sim/sim-env';

const base = process.argv[2] ?? 'http://127.0.0.1:4010';
for (const [key, value] of Object.entries(simEnv(base))) console.log(`${key}=${value}`);
