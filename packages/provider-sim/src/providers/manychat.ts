import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SimContext, SimProvider } from '../server.ts';

/**
 * Fake ManyChat API under /manychat: findBySystemField (exactly one of email/phone) and getInfo.
 * Like the real API there is no listing. Subscribers are added via POST /__sim/manychat/subscribers.
 */
export const MANYCHAT_SIM_KEY = '123456:sim-secret';

type Sub = Record<string, unknown> & { id: string };
interface ManychatState {
  subs: Map<string, Sub>;
  lookups: number;
}

const manychat: SimProvider = (app, ctx: SimContext) => {
  const fresh = (): ManychatState => ({ subs: new Map(), lookups: 0 });
  ctx.state.manychat = fresh();
  const st = () => ctx.state.manychat as ManychatState;
  ctx.resetters.push(() => {
    ctx.state.manychat = fresh();
  });
  const auth = async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.headers.authorization !== `Bearer ${MANYCHAT_SIM_KEY}`)
      return reply.code(401).send({ status: 'error', message: 'Wrong format token' });
  };
  const notFound = (reply: FastifyReply) =>
    reply.code(400).send({
      status: 'error',
      message: 'Validation error',
      details: { messages: [{ message: 'Subscriber not found' }] },
    });

  app.get('/manychat/fb/subscriber/findBySystemField', { preHandler: auth }, async (req, reply) => {
    const q = req.query as { email?: string; phone?: string };
    if (!q.email === !q.phone)
      return reply.code(400).send({ status: 'error', message: 'exactly one of email or phone is required' });
    st().lookups++;
    for (const s of st().subs.values()) {
      if (q.email && typeof s.email === 'string' && s.email.toLowerCase() === q.email.toLowerCase())
        return { status: 'success', data: s };
      if (q.phone && (s.phone === q.phone || s.whatsapp_phone === q.phone))
        return { status: 'success', data: s };
    }
    return notFound(reply);
  });
  app.get('/manychat/fb/subscriber/getInfo', { preHandler: auth }, async (req, reply) => {
    const s = st().subs.get(String((req.query as { subscriber_id?: string }).subscriber_id));
    return s ? { status: 'success', data: s } : notFound(reply);
  });

  app.post('/__sim/manychat/subscribers', async (req) => {
    const body = z.object({ subscribers: z.array(z.looseObject({ id: z.string().min(1) })) }).parse(req.body);
    for (const s of body.subscribers) st().subs.set(s.id, s as Sub);
    return { total: st().subs.size };
  });
  app.get('/__sim/manychat/state', async () => ({ subscribers: st().subs.size, lookups: st().lookups }));
};

export default manychat;
