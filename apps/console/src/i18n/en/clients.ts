import type { clients as es } from '../es/clients.ts';
import type { Messages } from '../keys.ts';

export const clients: Messages<typeof es> = {
  'clients.title': 'Clients',
  'clients.intro': 'Search clients, their sources and payments; merge, split and resolve conflicts.',
};
