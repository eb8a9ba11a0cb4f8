import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { SimContext, SimProvider } from '../server.ts';

/** Fake CallBell messages API under /callbell/v1 (Bearer token CALLBELL_SIM_TOKEN). */
export const CALLBELL_SIM_TOKEN = 'test_callbell-sim-token';

interface CallbellState {
  messages: Array<{ uuid: string; to: string; text: string }>;
}

const callbell: SimProvider = (app, ctx: SimContext) => {
  const fresh = (): CallbellState => ({ messages: [] });
  ctx.state.callbell = fresh();
  const st = () => ctx.state.callbell as CallbellState;
  ctx.resetters.push(() => {
    ctx.state.callbell = fresh();
  });

  app.post('/callbell/v1/messages/send', async (req, reply) => {
    if (req.headers.authorization !== `Bearer ${CALLBELL_SIM_TOKEN}`)
      return reply.code(401).send({ error: 'unauthorized' });
    const body = z
      .looseObject({
        to: z.string().min(1),
        from: z.string().min(1),
        type: z.literal('text'),
        content: z.object({ text: z.string().min(1) }),
      })
      .parse(req.body);
    const uuid = randomUUID().replace(/-/g, '');
    st().messages.push({ uuid, to: body.to, text: body.content.text });
    return { message: { uuid, status: 'enqueued' } };
  });
  app.get('/__sim/callbell/state', async () => st());
};

export default callbell;
