import type { es } from '../es/index.ts';
import type { Messages } from '../keys.ts';
import { bookings } from './bookings.ts';
import { clients } from './clients.ts';
import { common } from './common.ts';
import { failures } from './failures.ts';
import { orders } from './orders.ts';
import { overview } from './overview.ts';
import { stock } from './stock.ts';
import { sync } from './sync.ts';
import { whatsapp } from './whatsapp.ts';

/** Every text, one file per page namespace (pages own their files; common.ts is the layout's). */
export const en: Messages<typeof es> = {
  ...common,
  ...overview,
  ...orders,
  ...bookings,
  ...stock,
  ...clients,
  ...whatsapp,
  ...failures,
  ...sync,
};
