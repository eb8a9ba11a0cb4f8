import type { overview as es } from '../es/overview.ts';
import type { Messages } from '../keys.ts';

export const overview: Messages<typeof es> = {
  'overview.title': 'Overview',
  'overview.intro': 'Cauce at a glance: workers, queues, failures and webhooks.',
};
