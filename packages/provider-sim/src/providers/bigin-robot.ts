import { z } from 'zod';
import type { SimContext, SimProvider } from '../server.ts';

/**
 * Fake Bigin Robot API: POST /bigin/create-order answers {success:true, data:{ordenName}} or,
 * after POST /__sim/bigin-robot/mode {mode:'fail'}, {success:false, error}. Timeouts and 5xx come
 * from the fault injector (hang / failNext on "POST /bigin/create-order"). The real robot drives a
 * browser, one order at a time per session: `delayMs` makes each order take that long, and the
 * state counts how many it was driving at once (`peakInFlight`).
 */
interface RobotState {
  mode: 'success' | 'fail';
  delayMs: number;
  inFlight: number;
  peakInFlight: number;
  orders: Array<Record<string, unknown>>;
}

const biginRobot: SimProvider = (app, ctx: SimContext) => {
  const fresh = (): RobotState => ({ mode: 'success', delayMs: 0, inFlight: 0, peakInFlight: 0, orders: [] });
  ctx.state.biginRobot = fresh();
  const st = () => ctx.state.biginRobot as RobotState;
  ctx.resetters.push(() => {
    ctx.state.biginRobot = fresh();
  });

  app.post('/bigin/create-order', async (req) => {
    const body = z.looseObject({ ordenName: z.string().min(1) }).parse(req.body);
    const s = st();
    s.inFlight++;
    s.peakInFlight = Math.max(s.peakInFlight, s.inFlight);
    try {
      if (s.delayMs) await new Promise((r) => setTimeout(r, s.delayMs));
      if (s.mode === 'fail') return { success: false, error: 'robot could not create the order' };
      s.orders.push(body);
      return { success: true, data: { ordenName: body.ordenName, id: `bigin-${s.orders.length}` } };
    } finally {
      s.inFlight--;
    }
  });
  app.post('/__sim/bigin-robot/mode', async (req) => {
    const body = z
      .object({ mode: z.enum(['success', 'fail']), delayMs: z.number().int().min(0).max(60_000).optional() })
      .parse(req.body);
    st().mode = body.mode;
    if (body.delayMs !== undefined) st().delayMs = body.delayMs;
    return { mode: st().mode, delayMs: st().delayMs };
  });
  app.get('/__sim/bigin-robot/state', async () => st());
};

export default biginRobot;
