import type { sync as es } from '../es/sync.ts';
import type { Messages } from '../keys.ts';

export const sync: Messages<typeof es> = {
  'sync.title': 'Sync Command Center',
  'sync.intro':
    'Fetch contacts and payments from each source, unify them into clients and resolve conflicts.',
};
