/** Texts of the bookings page (namespace `bookings.`). */
export const bookings = {
  'bookings.title': 'Reservas',
  'bookings.intro': 'Busca reservas por id, huésped, teléfono o fechas, y sigue los backfills.',
} as const;
