import type { failures as es } from '../es/failures.ts';
import type { Messages } from '../keys.ts';

export const failures: Messages<typeof es> = {
  'failures.title': 'Dead letters & webhooks',
  'failures.intro': 'Failed jobs (dead letters) and the log of received webhooks.',
  'failures.deadLetters': 'Dead letters',
  'failures.webhookLog': 'Webhook log',
  'failures.queue': 'Queue',
  'failures.anyQueue': 'All queues',
  'failures.provider': 'Provider',
  'failures.anyProvider': 'All providers',
  'failures.status': 'Status',
  'failures.anyStatus': 'All statuses',
  'failures.replayedFilter': 'Replay',
  'failures.notReplayed': 'Not replayed',
  'failures.replayedOnly': 'Replayed',
  'failures.since': 'Since',
  'failures.when': 'When',
  'failures.job': 'Job',
  'failures.error': 'Error',
  'failures.attempts': 'Attempts',
  'failures.event': 'Event',
  'failures.inspect': 'Inspect',
  'failures.replay': 'Replay',
  'failures.replayAll': 'Replay all matching since the date',
  'failures.replayAllHint':
    'Replays every failure (or webhook) matching the filters since the "Since" date. Pick the date first.',
  'failures.replayed': 'Replayed: job {jobId} on {queue}.',
  'failures.replayedMany': '{replayed} of {matched} replayed.',
  'failures.noFailures':
    'No failure with these filters. A job that fails all its attempts shows up here to be replayed.',
  'failures.noWebhooks': 'No webhook with these filters. When a provider sends one it shows up here.',
  'failures.redacted': 'As a read-only user you see personal data and secrets hidden.',
  'failures.data': 'Data',
  'failures.payload': 'Payload',
};
