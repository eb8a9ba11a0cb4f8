import type { StartRole } from '@cauce/runtime';

/**
 * Every role `cauce all` runs, in start order. Each is imported only when it is started, so a
 * process running some roles never loads the others' modules (Bull Board, Swagger, opossum,
 * csv-parse, the provider clients…).
 */
export const ROLES: Record<string, () => Promise<{ startRole: StartRole }>> = {
  'worker-bookings': () => import('@cauce/worker-bookings/role'),
  'worker-orders': () => import('@cauce/worker-orders/role'),
  'worker-stock': () => import('@cauce/worker-stock/role'),
  'worker-staging': () => import('@cauce/worker-staging/role'),
  'worker-whatsapp': () => import('@cauce/worker-whatsapp/role'),
  // Last: webhooks are taken once every worker consumes its queue.
  ingress: () => import('@cauce/ingress/role'),
};

export const ROLE_NAMES = Object.keys(ROLES);
