/**
 * Mints an admin JWT: `npm run --silent token -- --role admin|viewer --sub NAME [--ttl 12h]`.
 * Prints only the token on stdout (so `TOKEN=$(npm run --silent token -- …)` works); what it minted
 * goes to stderr. Signed with JWT_SECRET exactly as the ingress verifies it (from the environment
 * or, locally, the stack's settings file .cauce/local.env).
 */
import { loadConfig, withLocalSettings } from '@cauce/runtime';
import Fastify from 'fastify';
import { z } from 'zod';
import { ingressEnv } from '../config.ts';
import { authPlugin, mintToken, ROLES } from '../plugins/auth.ts';
import { cliArgs, type Fail } from './args.ts';

const USAGE =
  'usage: npm run --silent token -- --role admin|viewer --sub NAME [--ttl 12h]  (ttl: <n>s|m|h|d)';

const TTL_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
export const MAX_TTL_SECONDS = 90 * 86400;

const argsSchema = z.object({
  role: z.enum(ROLES as ['viewer', 'admin'], { error: '--role must be admin or viewer' }),
  sub: z
    .string({ error: '--sub is required (who the token is for)' })
    .trim()
    .min(1, '--sub is required (who the token is for)')
    .max(200),
  ttl: z
    .string()
    .regex(/^\d+[smhd]$/, '--ttl is a number and a unit: 90s, 30m, 12h, 7d')
    .refine(
      (t) => Number(t.slice(0, -1)) * TTL_UNITS[t.slice(-1)]! <= MAX_TTL_SECONDS,
      '--ttl is at most 90d',
    )
    .refine((t) => Number(t.slice(0, -1)) > 0, '--ttl must be positive')
    .default('12h'),
});

const cli = cliArgs('token', USAGE, {
  role: { type: 'string' },
  sub: { type: 'string' },
  ttl: { type: 'string' },
});
const { values } = cli;
const fail: Fail = cli.fail;
const args = argsSchema.safeParse(values);
if (!args.success) fail(args.error.issues.map((i) => i.message).join('; '));

const { JWT_SECRET } = loadConfig(z.object({ JWT_SECRET: ingressEnv.shape.JWT_SECRET }), withLocalSettings());
const app = Fastify({ logger: false });
await app.register(authPlugin, { secret: JWT_SECRET });
await app.ready();
const ttlSeconds = Number(args.data.ttl.slice(0, -1)) * TTL_UNITS[args.data.ttl.slice(-1)]!;
const token = mintToken(app, args.data.sub, args.data.role, `${ttlSeconds}s`);
await app.close();
const expires = new Date(Date.now() + ttlSeconds * 1000).toISOString();
process.stderr.write(
  `minted ${args.data.role === 'admin' ? 'an' : 'a'} ${args.data.role} token for "${args.data.sub}", valid until ${expires}\n`,
);
process.stdout.write(`${token}\n`);
