import type { overview as es } from '../es/overview.ts';
import type { Messages } from '../keys.ts';

export const overview: Messages<typeof es> = {
  'overview.title': 'Overview',
  'overview.intro': 'Cauce at a glance: workers, queues, failures and webhooks.',
  'overview.workers': 'Workers',
  'overview.workersHint':
    'A "missing" worker is not connected to Redis: start it (npm run stack does) and check its logs.',
  'overview.queues': 'Queues',
  'overview.queue': 'Queue',
  'overview.waiting': 'Waiting',
  'overview.active': 'Active',
  'overview.delayed': 'Delayed',
  'overview.failed': 'Failed',
  'overview.oldest': 'Oldest waiting',
  'overview.deadLetters': 'Dead letters not replayed',
  'overview.deadLettersLink': 'See the failures and replay them',
  'overview.syncs': 'Syncs',
  'overview.source': 'Source',
  'overview.lastRun': 'Last run',
  'overview.lastSuccess': 'Last success',
  'overview.noSyncs': 'No sync has run yet. Start one from Stock or the Sync Command Center.',
  'overview.webhooks': 'Webhooks per provider (last 24 h)',
  'overview.provider': 'Provider',
  'overview.noWebhooks':
    'No webhook arrived in the last 24 hours. Check that each provider has the Cauce URL configured.',
  'overview.failures': 'Recent failures',
  'overview.failedAt': 'When',
  'overview.job': 'Job',
  'overview.error': 'Error',
  'overview.noFailures': 'No job has failed. Nothing to do.',
  'overview.live': 'Updates by itself every few seconds.',
};
