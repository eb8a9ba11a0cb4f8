import type { Db } from '@cauce/db';
import { callbell, toE164 } from '@cauce/providers';
import { PermanentError } from '@cauce/runtime';
import { ACTIONS, jsonSafe, WORKFLOW_NOTIFY } from './audit.ts';
import type { OrdersMetrics } from './metrics.ts';

/**
 * Sends the order confirmation over WhatsApp. It never touches the order's sync columns: a
 * failed message is its own audit row and its own retries.
 */
export async function notifyCustomer(
  deps: {
    db: Db;
    client: callbell.CallbellClient;
    metrics: OrdersMetrics;
    /** Country of phones written without a country code (ORDERS_PHONE_COUNTRY). */
    phoneCountry: string;
  },
  orderId: number,
  executionId: string,
): Promise<{ uuid: string } | { skipped: true; reason?: string }> {
  const { db } = deps;
  const order = await db.order.findUnique({ where: { id: orderId } });
  if (!order) throw new PermanentError(`order ${orderId} does not exist`);
  const sent = await db.actionLog.findFirst({
    where: { orderId, actionType: ACTIONS.callbellSent, success: true },
  });
  if (sent) return { skipped: true };
  const text = callbell.orderConfirmationText({ ...order, price: order.price.toString() });
  // CallBell's `to` is E.164: the national digits an order usually carries reach no one.
  const to = toE164(order.phone, [deps.phoneCountry]);
  if (!to) {
    const reason = `phone "${order.phone}" is not a valid number (read as ${deps.phoneCountry} when it has no country code); no message sent`;
    await db.actionLog.create({
      data: {
        orderId,
        actionType: ACTIONS.callbellSkipped,
        actionData: jsonSafe({ phone: order.phone, phoneCountry: deps.phoneCountry }),
        success: false,
        errorMessage: reason,
        workflowName: WORKFLOW_NOTIFY,
        executionId,
      },
    });
    deps.metrics.notifications.inc({ outcome: 'invalid_phone' });
    return { skipped: true, reason };
  }
  try {
    const res = await deps.client.sendText(to, text);
    await db.actionLog.create({
      data: {
        orderId,
        actionType: ACTIONS.callbellSent,
        actionData: jsonSafe({ to, phone: order.phone, text, response: res }),
        success: true,
        workflowName: WORKFLOW_NOTIFY,
        executionId,
      },
    });
    deps.metrics.notifications.inc({ outcome: 'sent' });
    return { uuid: res.message.uuid };
  } catch (err) {
    deps.metrics.notifications.inc({ outcome: 'error' });
    await db.actionLog.create({
      data: {
        orderId,
        actionType: ACTIONS.callbellFailed,
        actionData: jsonSafe({ to, phone: order.phone, text }),
        success: false,
        errorMessage: (err as Error).message,
        workflowName: WORKFLOW_NOTIFY,
        executionId,
      },
    });
    throw err;
  }
}
