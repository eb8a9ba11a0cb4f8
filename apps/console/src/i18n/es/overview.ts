/** Texts of the overview page (namespace `overview.`). */
export const overview = {
  'overview.title': 'Resumen',
  'overview.intro': 'El estado de Cauce de un vistazo: trabajadores, colas, fallos y webhooks.',
} as const;
