/** Texts of the stock page (namespace `stock.`). */
export const stock = {
  'stock.title': 'Inventario',
  'stock.intro': 'El tablero del sistema de inventario: productos, webhooks de SIIGO y cambios en vivo.',
} as const;
