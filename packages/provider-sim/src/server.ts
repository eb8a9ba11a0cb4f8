import Fastify, { type FastifyInstance } from 'fastify';
import { CallLog, registerCallLog } from './calls.ts';
import { FaultInjector, registerFaults } from './faults.ts';
import { LimitEnforcer, registerLimits } from './limits.ts';

/**
 * State shared by the fake providers. Each provider module registers its routes under its own
 * prefix (e.g. /beds24/v2, /siigo) and keeps its data in `state.<provider>`.
 */
export interface SimContext {
  faults: FaultInjector;
  /** Each provider's published rate limits (off unless set). */
  limits: LimitEnforcer;
  calls: CallLog;
  /** Per-provider state, owned by each provider module. */
  state: Record<string, unknown>;
  /** Resets every provider's state (POST /__sim/reset). */
  resetters: Array<() => void>;
}

export type SimProvider = (app: FastifyInstance, ctx: SimContext) => void | Promise<void>;

/** Provider modules, each in src/providers/<name>.ts. Later issues add theirs here. */
const PROVIDERS: Array<[string, () => Promise<{ default: SimProvider }>]> = [
  ['siigo', () => import('./providers/siigo.ts')],
  ['beds24', () => import('./providers/beds24.ts')],
  ['ghl', () => import('./providers/ghl.ts')],
  ['stripe', () => import('./providers/stripe.ts')],
  ['paypal', () => import('./providers/paypal.ts')],
  ['manychat', () => import('./providers/manychat.ts')],
  ['bigin-robot', () => import('./providers/bigin-robot.ts')],
  ['callbell', () => import('./providers/callbell.ts')],
];

export async function buildSim({
  faults = [] as unknown[],
  limits = 'off' as unknown,
  logger = false,
} = {}): Promise<{
  app: FastifyInstance;
  ctx: SimContext;
}> {
  const app = Fastify({ logger, bodyLimit: 50 * 1024 * 1024 });
  const ctx: SimContext = {
    faults: new FaultInjector(),
    limits: new LimitEnforcer(),
    calls: new CallLog(),
    state: {},
    resetters: [],
  };
  ctx.faults.set(faults);
  ctx.limits.set(limits);
  // Bad control or provider input is the caller's fault: answer 400 with the zod issues, never 500.
  app.setErrorHandler((err: Error & { statusCode?: number; issues?: unknown }, _req, reply) => {
    if (err.name === 'ZodError')
      return reply.code(400).send({ success: false, error: 'invalid request', issues: err.issues });
    return reply.code(err.statusCode ?? 500).send({ success: false, error: err.message });
  });
  registerFaults(app, ctx.faults);
  registerLimits(app, ctx.limits);
  registerCallLog(app, ctx.calls);
  app.get('/__sim/health', async () => ({ status: 'ok' }));
  app.post('/__sim/reset', async () => {
    for (const r of ctx.resetters) r();
    ctx.calls.reset();
    ctx.faults.clear();
    ctx.limits.reset();
    return { reset: true };
  });
  for (const [, load] of PROVIDERS) await (await load()).default(app, ctx);
  return { app, ctx };
}
