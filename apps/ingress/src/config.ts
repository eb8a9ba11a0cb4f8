import { baseEnv, bool } from '@cauce/runtime';
import { z } from 'zod';

/** Every variable the ingress reads (documented in the README's configuration table). */
export const ingressEnv = baseEnv.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  HOST: z.string().default('0.0.0.0'),
  /** Largest accepted request body, bytes. */
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** Secret for admin JWTs (HS256). At least 32 characters. */
  JWT_SECRET: z.string().min(32),
  /** Trust X-Forwarded-* from a proxy in front of the ingress. */
  TRUST_PROXY: bool.default(false),
});
export type IngressConfig = z.infer<typeof ingressEnv>;
