import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { Notice } from '../components/notice.tsx';
import { Page } from '../components/page.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useFormat } from '../format-context.ts';
import './domain-pages.css';
import { useAction, useApi } from '../hooks.ts';
import { type MessageKey, useI18n } from '../i18n/index.ts';
import { useIsAdmin } from '../session.ts';

/**
 * WhatsApp numbers (docs/console.md, "WhatsApp numbers"): the registry with each number's state,
 * queues (create one, assign a number to it), a sync or its dry run with its progress, and the
 * last sync reports. It replaces the source document's manual SQL ("via la interfaz web").
 */

type NumberState = 'active' | 'repaired' | 'unassigned' | 'needs_repair' | 'inactive';
interface WaNumber {
  numberId: string;
  phoneNumber: string;
  displayName: string;
  isActive: boolean;
  state: NumberState;
  queue: { id: number; name: string; isActive: boolean } | null;
}
interface Queue {
  id: number;
  name: string;
  isActive: boolean;
  activeNumbers: number;
}
interface Sync {
  jobId: string;
  state: string;
  trigger?: string;
  dryRun: boolean;
  /** Entries of the connections file applied so far. */
  progress: { done: number; total: number } | null;
  report: { counts: Record<string, number> } | null;
  error: string | null;
  requestedAt: string;
  finishedAt: string | null;
}

const STATE: Record<NumberState, { label: MessageKey; tone: string }> = {
  active: { label: 'whatsapp.state.active', tone: 'good' },
  repaired: { label: 'whatsapp.state.repaired', tone: 'good' },
  unassigned: { label: 'whatsapp.state.unassigned', tone: 'bad' },
  needs_repair: { label: 'whatsapp.state.needs_repair', tone: 'busy' },
  inactive: { label: 'whatsapp.state.inactive', tone: 'idle' },
};
const TRIGGER: Record<string, MessageKey> = {
  schedule: 'whatsapp.trigger.schedule',
  manual: 'whatsapp.trigger.manual',
  file: 'whatsapp.trigger.file',
};
const COUNTS: Array<[string, MessageKey]> = [
  ['added', 'whatsapp.count.added'],
  ['updated', 'whatsapp.count.updated'],
  ['repaired', 'whatsapp.count.repaired'],
  ['deactivated', 'whatsapp.count.deactivated'],
  ['unassigned', 'whatsapp.count.unassigned'],
  ['invalid', 'whatsapp.count.invalid'],
  ['conflicts', 'whatsapp.count.conflicts'],
];
const FINISHED = new Set(['completed', 'failed']);

export function WhatsappPage() {
  const { t } = useI18n();
  const f = useFormat();
  const admin = useIsAdmin();
  const [name, setName] = useState('');
  const numbers = useApi<{ numbers: WaNumber[] }>('/api/whatsapp/numbers');
  const queues = useApi<{ queues: Queue[] }>('/api/whatsapp/queues');
  const syncs = useApi<{ syncs: Sync[] }>('/api/whatsapp/numbers/syncs', { query: { limit: 10 } }, 1_500);
  const active = queues.data?.queues.filter((q) => q.isActive) ?? [];
  // A sync that finished changed the registry: show it.
  const running = syncs.data?.syncs.some((s) => !FINISHED.has(s.state)) ?? false;
  const wasRunning = useRef(false);
  useEffect(() => {
    if (wasRunning.current && !running) void Promise.all([numbers.reload(), queues.reload()]);
    wasRunning.current = running;
  }, [running]);

  const { notice, failure, act } = useAction(async () => {
    await Promise.all([numbers.reload(), queues.reload(), syncs.reload()]);
  });
  const createQueue = () =>
    act(async () => {
      const q = await api<Queue>('/api/whatsapp/queues', { method: 'POST', body: { name: name.trim() } });
      setName('');
      return t('whatsapp.queueCreated', { name: q.name });
    });
  const assign = (n: WaNumber, queueId: number | null) =>
    act(async () => {
      await api(`/api/whatsapp/numbers/${encodeURIComponent(n.numberId)}/queue`, {
        method: 'PUT',
        body: { queueId },
      });
      return t('whatsapp.assigned', { name: n.displayName });
    });
  const sync = (dryRun: boolean) =>
    act(async () => {
      await api('/api/whatsapp/numbers/sync', { method: 'POST', body: { dryRun } });
      return dryRun ? t('whatsapp.dryRunQueued') : t('whatsapp.syncQueued');
    });

  return (
    <Page id="whatsapp" title="whatsapp.title" intro="whatsapp.intro">
      <Notice id="whatsapp-notice" text={notice} />
      <ErrorBanner error={failure ?? numbers.error ?? queues.error ?? syncs.error} />
      <h2>{t('whatsapp.numbers')}</h2>
      <DataTable
        id="whatsapp-numbers"
        rows={numbers.data?.numbers}
        rowKey={(n) => n.numberId}
        empty={t('whatsapp.emptyNumbers')}
        columns={[
          { key: 'name', header: t('whatsapp.displayName'), cell: (n) => n.displayName },
          { key: 'phone', header: t('whatsapp.phone'), cell: (n) => n.phoneNumber },
          { key: 'id', header: t('whatsapp.numberId'), cell: (n) => <code>{n.numberId}</code> },
          {
            key: 'state',
            header: t('whatsapp.state'),
            cell: (n) => (
              <span class={`badge badge-${STATE[n.state].tone}`} data-state={n.state}>
                {t(STATE[n.state].label)}
              </span>
            ),
          },
          {
            key: 'queue',
            header: t('whatsapp.queue'),
            cell: (n) =>
              admin && n.isActive ? (
                <select
                  data-assign={n.numberId}
                  aria-label={t('whatsapp.assignTo', { name: n.displayName })}
                  value={n.queue ? String(n.queue.id) : ''}
                  onChange={(e) => assign(n, e.currentTarget.value ? Number(e.currentTarget.value) : null)}
                >
                  <option value="">{t('whatsapp.noQueue')}</option>
                  {active.map((q) => (
                    <option value={String(q.id)} key={q.id}>
                      {q.name}
                    </option>
                  ))}
                </select>
              ) : (
                (n.queue?.name ?? t('whatsapp.noQueue'))
              ),
          },
        ]}
      />
      <h2>{t('whatsapp.queues')}</h2>
      <DataTable
        id="whatsapp-queues"
        rows={queues.data?.queues}
        rowKey={(q) => String(q.id)}
        empty={admin ? t('whatsapp.emptyQueuesAdmin') : t('whatsapp.emptyQueues')}
        columns={[
          { key: 'name', header: t('whatsapp.queueName'), cell: (q) => q.name },
          {
            key: 'numbers',
            header: t('whatsapp.activeNumbers'),
            class: 'num',
            cell: (q) => f.number(q.activeNumbers),
          },
          {
            key: 'active',
            header: t('whatsapp.queueActive'),
            cell: (q) => (q.isActive ? t('common.yes') : t('common.no')),
          },
        ]}
      />
      {admin && (
        <form
          class="actions"
          id="whatsapp-new-queue"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) void createQueue();
          }}
        >
          <label>
            {t('whatsapp.newQueue')}
            <input
              id="queue-name"
              required
              maxLength={120}
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </label>
          <button type="submit" id="queue-create">
            {t('whatsapp.createQueue')}
          </button>
        </form>
      )}
      <h2>{t('whatsapp.syncs')}</h2>
      <div class="actions">
        <ConfirmButton id="whatsapp-dry-run" onConfirm={() => sync(true)}>
          {t('whatsapp.dryRun')}
        </ConfirmButton>
        <ConfirmButton id="whatsapp-sync" confirm onConfirm={() => sync(false)}>
          {t('whatsapp.syncNow')}
        </ConfirmButton>
      </div>
      <DataTable
        id="whatsapp-syncs"
        rows={syncs.data?.syncs}
        rowKey={(s) => s.jobId}
        rowClass={(s) => `sync-${s.state}`}
        empty={t('whatsapp.emptySyncs')}
        columns={[
          { key: 'at', header: t('whatsapp.requested'), cell: (s) => f.dateTime(s.requestedAt) },
          {
            key: 'trigger',
            header: t('whatsapp.triggerHeader'),
            cell: (s) => (
              <>
                {TRIGGER[s.trigger ?? ''] ? t(TRIGGER[s.trigger ?? '']!) : (s.trigger ?? '')}
                {s.dryRun && <span class="badge badge-idle">{t('whatsapp.dryRunTag')}</span>}
              </>
            ),
          },
          {
            key: 'state',
            header: t('whatsapp.syncState'),
            cell: (s) => (
              <>
                {!FINISHED.has(s.state) && (
                  <ProgressBar
                    value={s.progress?.done ?? 0}
                    total={s.progress?.total}
                    label={t('whatsapp.syncs')}
                  />
                )}
                <StatusBadge status={s.state === 'completed' ? 'succeeded' : s.state} />
              </>
            ),
          },
          {
            key: 'report',
            header: t('whatsapp.report'),
            cell: (s) =>
              s.report
                ? COUNTS.map(([k, label]) => `${t(label)}: ${f.number(s.report?.counts[k] ?? 0)}`).join(' · ')
                : (s.error ?? ''),
          },
        ]}
      />
    </Page>
  );
}
