import type { whatsapp as es } from '../es/whatsapp.ts';
import type { Messages } from '../keys.ts';

export const whatsapp: Messages<typeof es> = {
  'whatsapp.title': 'WhatsApp numbers',
  'whatsapp.intro': 'The number registry, its queues and the sync reports.',
};
