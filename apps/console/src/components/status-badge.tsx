import { MESSAGES, type MessageKey, useI18n } from '../i18n/index.ts';

const TONE: Record<string, 'good' | 'bad' | 'busy' | 'idle'> = {
  ok: 'good',
  up: 'good',
  succeeded: 'good',
  processed: 'good',
  resolved: 'good',
  replayed: 'good',
  missing: 'bad',
  failed: 'bad',
  open: 'busy',
  queued: 'busy',
  running: 'busy',
  pending: 'busy',
};

/** A status word with its colour; statuses without a text of their own are shown as sent. */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  const key = `status.${status}` as MessageKey;
  const text = key in MESSAGES.es ? t(key) : status;
  return <span class={`badge badge-${TONE[status] ?? 'idle'}`}>{text}</span>;
}
