/** Texts of the clients page (namespace `clients.`). */
export const clients = {
  'clients.title': 'Clientes',
  'clients.intro': 'Busca clientes, sus fuentes y pagos; une, separa y resuelve conflictos.',
} as const;
