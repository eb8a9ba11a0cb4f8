import type { Db } from '@cauce/db';
import { JOBS, type Producer, QUEUES } from '@cauce/queues';

/**
 * Re-enqueues orders unsynced for longer than `afterMs` whose last attempt (if any) is also that
 * old: orders whose retries ran out, and orders whose intake enqueue never reached Redis.
 */
export async function sweepUnsyncedOrders(
  db: Db,
  producer: Producer,
  { afterMs, batch, now = new Date() }: { afterMs: number; batch: number; now?: Date },
): Promise<number[]> {
  const cutoff = new Date(now.getTime() - afterMs);
  const orders = await db.order.findMany({
    where: {
      syncedToBigin: false,
      createdAt: { lte: cutoff },
      OR: [{ lastSyncAt: null }, { lastSyncAt: { lte: cutoff } }],
    },
    select: { id: true },
    orderBy: { id: 'asc' },
    take: batch,
  });
  const stamp = now.getTime();
  for (const { id } of orders) {
    await producer.add(
      QUEUES.biginOrders,
      JOBS.biginCreateOrder,
      { orderId: id, trigger: 'sweep' },
      { jobId: `order-${id}-sweep-${stamp}` },
    );
  }
  return orders.map((o) => o.id);
}
