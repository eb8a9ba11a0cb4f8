import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { Page } from '../components/page.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useFormat } from '../format-context.ts';
import { useApi } from '../hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { useIsAdmin } from '../session.ts';

/** GET /api/admin/failures and /api/admin/webhooks/logs (server-redacted for viewers). */
interface Failure {
  id: string;
  queue: string;
  jobName: string;
  jobId: string | null;
  data: unknown;
  error: string;
  stack: string | null;
  attempts: number;
  failedAt: string;
  replayedAt: string | null;
}
interface WebhookEvent {
  id: string;
  provider: string;
  eventType: string;
  entityId: string | null;
  status: string;
  queue: string | null;
  payload: unknown;
  error: string | null;
  attempts: number;
  receivedAt: string;
}
interface QueueList {
  queues: Array<{ name: string }>;
}
const PROVIDERS = ['beds24', 'siigo', 'stripe', 'paypal', 'ghl', 'manychat', 'orders'];
const WEBHOOK_STATUSES = ['received', 'queued', 'processed', 'failed', 'rejected', 'ignored'];
const POLL_MS = 5000;

/** The datetime-local value as an ISO instant in the browser's time zone (empty: none). */
const isoFrom = (local: string) => (local ? new Date(local).toISOString() : undefined);

function Inspect({ value }: { value: unknown }) {
  const [open, setOpen] = useState(false);
  const { t } = useI18n();
  return (
    <>
      <button type="button" class="link inspect" onClick={() => setOpen(!open)}>
        {open ? t('common.close') : t('failures.inspect')}
      </button>
      {open && <pre class="detail">{JSON.stringify(value, null, 2)}</pre>}
    </>
  );
}

function DeadLetters({ since }: { since: string }) {
  const { t } = useI18n();
  const f = useFormat();
  const [queue, setQueue] = useState('');
  const [replayed, setReplayed] = useState('false');
  const [done, setDone] = useState('');
  const [failed, setFailed] = useState<unknown>(null);
  const queues = useApi<QueueList>('/api/admin/queues/stats');
  const list = useApi<{ failures: Failure[] }>(
    '/api/admin/failures',
    { query: { queue, replayed, limit: 200 } },
    POLL_MS,
  );
  const sinceMs = since ? Date.parse(since) : 0;
  const rows = list.data?.failures.filter((r) => !sinceMs || Date.parse(r.failedAt) >= sinceMs);
  const act = async (work: () => Promise<string>) => {
    setFailed(null);
    try {
      setDone(await work());
    } catch (err) {
      setFailed(err);
    }
    await list.reload();
  };
  return (
    <section id="dead-letters">
      <h2>{t('failures.deadLetters')}</h2>
      <div class="filters">
        <label>
          {t('failures.queue')}
          <select
            id="filter-queue"
            value={queue}
            onChange={(e) => setQueue((e.target as HTMLSelectElement).value)}
          >
            <option value="">{t('failures.anyQueue')}</option>
            {queues.data?.queues.map((q) => (
              <option key={q.name} value={q.name}>
                {q.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('failures.replayedFilter')}
          <select
            id="filter-replayed"
            value={replayed}
            onChange={(e) => setReplayed((e.target as HTMLSelectElement).value)}
          >
            <option value="false">{t('failures.notReplayed')}</option>
            <option value="true">{t('failures.replayedOnly')}</option>
            <option value="">{t('failures.anyStatus')}</option>
          </select>
        </label>
        <ConfirmButton
          id="replay-all-failures"
          confirm
          disabled={!since}
          onConfirm={() =>
            act(async () => {
              const r = await api<{ matched: number; replayed: number }>('/api/admin/failures/replay', {
                method: 'POST',
                body: { since, ...(queue ? { queue } : {}) },
              });
              return t('failures.replayedMany', { replayed: r.replayed, matched: r.matched });
            })
          }
        >
          {t('failures.replayAll')}
        </ConfirmButton>
      </div>
      <ErrorBanner error={failed ?? list.error} />
      {done && (
        <p class="notice" id="failures-result" role="status">
          {done}
        </p>
      )}
      <DataTable
        id="failures"
        rows={rows}
        rowKey={(r) => r.id}
        rowClass={() => 'failure'}
        empty={t('failures.noFailures')}
        columns={[
          { key: 'at', header: t('failures.when'), cell: (r) => f.dateTime(r.failedAt) },
          { key: 'q', header: t('failures.queue'), cell: (r) => r.queue },
          { key: 'j', header: t('failures.job'), cell: (r) => `${r.jobName} ${r.jobId ?? ''}` },
          { key: 'n', header: t('failures.attempts'), class: 'num', cell: (r) => r.attempts },
          {
            key: 'e',
            header: t('failures.error'),
            cell: (r) => (
              <>
                <span class="error-text">{r.error}</span>
                <Inspect value={{ data: r.data, stack: r.stack }} />
              </>
            ),
          },
          {
            key: 'act',
            header: '',
            cell: (r) =>
              r.replayedAt ? (
                <StatusBadge status="replayed" />
              ) : (
                <ConfirmButton
                  class="replay"
                  onConfirm={() =>
                    act(async () => {
                      const out = await api<{ jobId: string; queue: string }>(
                        `/api/admin/failures/${r.id}/replay`,
                        { method: 'POST' },
                      );
                      return t('failures.replayed', { jobId: out.jobId, queue: out.queue });
                    })
                  }
                >
                  {t('failures.replay')}
                </ConfirmButton>
              ),
          },
        ]}
      />
    </section>
  );
}

function WebhookLog({ since }: { since: string }) {
  const { t } = useI18n();
  const f = useFormat();
  const [provider, setProvider] = useState('');
  const [status, setStatus] = useState('');
  const [done, setDone] = useState('');
  const [failed, setFailed] = useState<unknown>(null);
  const list = useApi<{ events: WebhookEvent[] }>(
    '/api/admin/webhooks/logs',
    { query: { provider, status, limit: 200 } },
    POLL_MS,
  );
  const sinceMs = since ? Date.parse(since) : 0;
  const rows = list.data?.events.filter((r) => !sinceMs || Date.parse(r.receivedAt) >= sinceMs);
  const act = async (work: () => Promise<string>) => {
    setFailed(null);
    try {
      setDone(await work());
    } catch (err) {
      setFailed(err);
    }
    await list.reload();
  };
  return (
    <section id="webhook-log">
      <h2>{t('failures.webhookLog')}</h2>
      <div class="filters">
        <label>
          {t('failures.provider')}
          <select
            id="filter-provider"
            value={provider}
            onChange={(e) => setProvider((e.target as HTMLSelectElement).value)}
          >
            <option value="">{t('failures.anyProvider')}</option>
            {PROVIDERS.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('failures.status')}
          <select
            id="filter-status"
            value={status}
            onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}
          >
            <option value="">{t('failures.anyStatus')}</option>
            {WEBHOOK_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <ConfirmButton
          id="replay-all-webhooks"
          confirm
          disabled={!since}
          onConfirm={() =>
            act(async () => {
              const r = await api<{ matched: number; replayed: number }>('/api/admin/webhooks/replay', {
                method: 'POST',
                body: {
                  since,
                  ...(provider ? { provider } : {}),
                  ...(status && status !== 'rejected' ? { status } : {}),
                },
              });
              return t('failures.replayedMany', { replayed: r.replayed, matched: r.matched });
            })
          }
        >
          {t('failures.replayAll')}
        </ConfirmButton>
      </div>
      <ErrorBanner error={failed ?? list.error} />
      {done && (
        <p class="notice" id="webhooks-result" role="status">
          {done}
        </p>
      )}
      <DataTable
        id="webhook-events"
        rows={rows}
        rowKey={(r) => r.id}
        rowClass={() => 'webhook-event'}
        empty={t('failures.noWebhooks')}
        columns={[
          { key: 'at', header: t('failures.when'), cell: (r) => f.dateTime(r.receivedAt) },
          { key: 'p', header: t('failures.provider'), cell: (r) => r.provider },
          { key: 'e', header: t('failures.event'), cell: (r) => `${r.eventType} ${r.entityId ?? ''}` },
          { key: 's', header: t('failures.status'), cell: (r) => <StatusBadge status={r.status} /> },
          {
            key: 'd',
            header: t('failures.payload'),
            cell: (r) => (
              <>
                {r.error && <span class="error-text">{r.error} </span>}
                <Inspect value={r.payload} />
              </>
            ),
          },
          {
            key: 'act',
            header: '',
            cell: (r) =>
              r.status === 'rejected' ? null : (
                <ConfirmButton
                  class="replay"
                  onConfirm={() =>
                    act(async () => {
                      const out = await api<{ jobId: string; queue: string }>(
                        `/api/admin/webhooks/${r.id}/replay`,
                        {
                          method: 'POST',
                        },
                      );
                      return t('failures.replayed', { jobId: out.jobId, queue: out.queue });
                    })
                  }
                >
                  {t('failures.replay')}
                </ConfirmButton>
              ),
          },
        ]}
      />
    </section>
  );
}

export function FailuresPage() {
  const { t } = useI18n();
  const admin = useIsAdmin();
  const [sinceLocal, setSinceLocal] = useState('');
  const since = isoFrom(sinceLocal) ?? '';
  return (
    <Page id="failures" title="failures.title" intro="failures.intro">
      {!admin && <p class="muted">{t('failures.redacted')}</p>}
      <div class="filters">
        <label>
          {t('failures.since')}
          <input
            id="filter-since"
            type="datetime-local"
            value={sinceLocal}
            onInput={(e) => setSinceLocal((e.target as HTMLInputElement).value)}
          />
        </label>
        {admin && <span class="muted">{t('failures.replayAllHint')}</span>}
      </div>
      <DeadLetters since={since} />
      <WebhookLog since={since} />
    </Page>
  );
}
