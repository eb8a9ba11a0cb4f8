import type { bookings as es } from '../es/bookings.ts';
import type { Messages } from '../keys.ts';

export const bookings: Messages<typeof es> = {
  'bookings.title': 'Bookings',
  'bookings.intro': 'Search bookings by id, guest, phone or dates, and follow backfills.',
};
