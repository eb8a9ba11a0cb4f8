import { CALLBELL_SIM_TOKEN } from '@cauce/provider-sim/providers/callbell';
import { listenSim } from '@cauce/provider-sim/testing';
import { parseConfig } from '@cauce/runtime';
import { type TestEnv, workerTestEnv } from '@cauce/testkit';
import { type OrdersConfig, ordersEnv } from '../src/config.ts';

export const API_KEY = 'orders-key-0123456789abcdef';

/** provider-sim on a loopback port (a fixed one can be given to restart it "on the same address"). */
export async function startSim(port = 0) {
  const sim = await listenSim(port);
  const { call } = sim;
  return {
    ...sim,
    reset: () => call('POST', '/__sim/reset'),
    robotMode: (mode: 'success' | 'fail') => call('POST', '/__sim/bigin-robot/mode', { mode }),
    robotOrders: async () =>
      (await call('GET', '/__sim/bigin-robot/state')).orders as Array<Record<string, unknown>>,
    messages: async () =>
      (await call('GET', '/__sim/callbell/state')).messages as Array<{ to: string; text: string }>,
    fault: (rule: Record<string, unknown>) => call('POST', '/__sim/faults', rule),
  };
}

export function ordersConfig(
  env: TestEnv,
  simBase: string,
  overrides: Record<string, string> = {},
): OrdersConfig {
  return parseConfig(
    ordersEnv,
    workerTestEnv(env, {
      BIGIN_ROBOT_URL: `${simBase}/bigin/create-order`,
      BIGIN_ROBOT_TIMEOUT_MS: '1500',
      CALLBELL_ENABLED: 'true',
      CALLBELL_BASE_URL: `${simBase}/callbell/v1`,
      CALLBELL_API_TOKEN: CALLBELL_SIM_TOKEN,
      ORDERS_SWEEP_ENABLED: 'false',
      ORDERS_SWEEP_AFTER_MS: '0',
      ...overrides,
    }),
  );
}

let seq = 0;
/** A valid order body; names and session ids unique per call. */
export function orderPayload(extra: Record<string, unknown> = {}) {
  seq++;
  return {
    customer_name: `Cliente ${seq}`,
    phone: `+57300111${String(1000 + seq).slice(-4)}`,
    email: `cliente${seq}@example.co`,
    address: 'Calle 10 # 5-20',
    city: 'Medellín',
    department: 'Antioquia',
    pack: 'Pack x2',
    price: 159900,
    status: 'confirmado',
    session_id: `sess-${seq}-${Date.now()}`,
    ...extra,
  };
}

/** An order as the intake stores it, straight into the table (tests that start no ingress). */
export function storedOrder(status: string, p = orderPayload()) {
  return {
    sessionId: p.session_id,
    customerName: p.customer_name,
    phone: p.phone,
    address: p.address,
    city: p.city,
    department: p.department,
    pack: p.pack,
    price: '99000.00',
    status,
  };
}
