import type { orders as es } from '../es/orders.ts';
import type { Messages } from '../keys.ts';

export const orders: Messages<typeof es> = {
  'orders.title': 'Orders',
  'orders.intro': 'Orders pending sync, with errors and recently synced.',
};
