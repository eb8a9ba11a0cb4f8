import { z } from 'zod';
import type { SimContext, SimProvider } from '../server.ts';

/**
 * Fake Bigin Robot API: POST /bigin/create-order answers {success:true, data:{ordenName}} or,
 * after POST /__sim/bigin-robot/mode {mode:'fail'}, {success:false, error}. Timeouts and 5xx come
 * from the fault injector (hang / failNext on "POST /bigin/create-order").
 */
interface RobotState {
  mode: 'success' | 'fail';
  orders: Array<Record<string, unknown>>;
}

const biginRobot: SimProvider = (app, ctx: SimContext) => {
  const fresh = (): RobotState => ({ mode: 'success', orders: [] });
  ctx.state.biginRobot = fresh();
  const st = () => ctx.state.biginRobot as RobotState;
  ctx.resetters.push(() => {
    ctx.state.biginRobot = fresh();
  });

  app.post('/bigin/create-order', async (req) => {
    const body = z.looseObject({ ordenName: z.string().min(1) }).parse(req.body);
    if (st().mode === 'fail') return { success: false, error: 'robot could not create the order' };
    st().orders.push(body);
    return { success: true, data: { ordenName: body.ordenName, id: `bigin-${st().orders.length}` } };
  });
  app.post('/__sim/bigin-robot/mode', async (req) => {
    st().mode = z.object({ mode: z.enum(['success', 'fail']) }).parse(req.body).mode;
    return { mode: st().mode };
  });
  app.get('/__sim/bigin-robot/state', async () => st());
};

export default biginRobot;
