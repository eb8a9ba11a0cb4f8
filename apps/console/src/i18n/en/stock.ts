import type { stock as es } from '../es/stock.ts';
import type { Messages } from '../keys.ts';

export const stock: Messages<typeof es> = {
  'stock.title': 'Stock',
  'stock.intro': 'The stock system dashboard: products, SIIGO webhooks and live changes.',
};
