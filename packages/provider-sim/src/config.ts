import { z } from 'zod';

/** provider-sim's variables (documented in the README's configuration table). */
export const simEnvSchema = z.object({
  /** Port provider-sim listens on. */
  SIM_PORT: z.coerce.number().int().default(4010),
  /** Interface provider-sim listens on. */
  SIM_HOST: z.string().default('127.0.0.1'),
  /** JSON array of fault rules applied at start (see packages/provider-sim/src/faults.ts). */
  SIM_FAULTS: z.string().default('[]'),
  /** Providers' rate limits to enforce (429 + Retry-After beyond them): off, published, or a JSON object (apps/provider-sim/src/limits.ts). */
  SIM_LIMITS: z.string().default('off'),
});
