import { Counter, type Registry } from 'prom-client';

export function createOrdersMetrics(registry: Registry) {
  return {
    biginSync: new Counter({
      name: 'orders_bigin_sync_total',
      help: 'Robot API create-order attempts by outcome (success, rejected, error)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    notifications: new Counter({
      name: 'orders_notifications_total',
      help: 'CallBell confirmation attempts by outcome (sent, error, invalid_phone)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    swept: new Counter({
      name: 'orders_swept_total',
      help: 'Unsynced orders re-enqueued by the sweep',
      registers: [registry],
    }),
  };
}
export type OrdersMetrics = ReturnType<typeof createOrdersMetrics>;
