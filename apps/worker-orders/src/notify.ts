import type { Db } from '@cauce/db';
import { callbell } from '@cauce/providers';
import { PermanentError } from '@cauce/runtime';
import { ACTIONS, jsonSafe, WORKFLOW_NOTIFY } from './audit.ts';
import type { OrdersMetrics } from './metrics.ts';

/**
 * Sends the order confirmation over WhatsApp. It never touches the order's sync columns: a
 * failed message is its own audit row and its own retries.
 */
export async function notifyCustomer(
  deps: { db: Db; client: callbell.CallbellClient; metrics: OrdersMetrics },
  orderId: number,
  executionId: string,
): Promise<{ uuid: string } | { skipped: true }> {
  const { db } = deps;
  const order = await db.order.findUnique({ where: { id: orderId } });
  if (!order) throw new PermanentError(`order ${orderId} does not exist`);
  const sent = await db.actionLog.findFirst({
    where: { orderId, actionType: ACTIONS.callbellSent, success: true },
  });
  if (sent) return { skipped: true };
  const text = callbell.orderConfirmationText({ ...order, price: order.price.toString() });
  try {
    const res = await deps.client.sendText(order.phone, text);
    await db.actionLog.create({
      data: {
        orderId,
        actionType: ACTIONS.callbellSent,
        actionData: jsonSafe({ to: order.phone, text, response: res }),
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
        actionData: jsonSafe({ to: order.phone, text }),
        success: false,
        errorMessage: (err as Error).message,
        workflowName: WORKFLOW_NOTIFY,
        executionId,
      },
    });
    throw err;
  }
}
