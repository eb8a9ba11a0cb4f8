import type { failures as es } from '../es/failures.ts';
import type { Messages } from '../keys.ts';

export const failures: Messages<typeof es> = {
  'failures.title': 'Dead letters & webhooks',
  'failures.intro': 'Failed jobs (dead letters) and the log of received webhooks.',
};
