/** Texts of the sync page (namespace `sync.`). */
export const sync = {
  'sync.title': 'Centro de sincronización',
  'sync.intro': 'Trae contactos y pagos de cada fuente, unifícalos en clientes y resuelve conflictos.',
} as const;
