/** Texts of the orders page (namespace `orders.`). */
export const orders = {
  'orders.title': 'Pedidos',
  'orders.intro': 'Pedidos pendientes de sincronizar, con errores y sincronizados hace poco.',
} as const;
