import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { Notice } from '../components/notice.tsx';
import { Page } from '../components/page.tsx';
import { SelectFilter } from '../components/select-filter.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useFormat } from '../format-context.ts';
import { useAction, useApi } from '../hooks.ts';
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

/** Replays one stored row (dead letter or webhook event) and says where it went. */
function ReplayButton({ path, act }: { path: string; act: (work: () => Promise<string>) => Promise<void> }) {
  const { t } = useI18n();
  return (
    <ConfirmButton
      class="replay"
      onConfirm={() =>
        act(async () => {
          const out = await api<{ jobId: string; queue: string }>(path, { method: 'POST' });
          return t('failures.replayed', { jobId: out.jobId, queue: out.queue });
        })
      }
    >
      {t('failures.replay')}
    </ConfirmButton>
  );
}

/** Replays every row matching the filters since T; refused until T is chosen. */
function ReplayAllButton({
  id,
  since,
  path,
  body,
  act,
}: {
  id: string;
  since: string;
  path: string;
  body: Record<string, string>;
  act: (work: () => Promise<string>) => Promise<void>;
}) {
  const { t } = useI18n();
  return (
    <ConfirmButton
      id={id}
      confirm
      disabled={!since}
      onConfirm={() =>
        act(async () => {
          const r = await api<{ matched: number; replayed: number }>(path, {
            method: 'POST',
            body: { since, ...body },
          });
          return t('failures.replayedMany', { replayed: r.replayed, matched: r.matched });
        })
      }
    >
      {t('failures.replayAll')}
    </ConfirmButton>
  );
}

/** The `rows` stamped at or after `since` (empty: all of them). */
function sinceFilter<T>(rows: T[] | undefined, since: string, at: (row: T) => string): T[] | undefined {
  const sinceMs = since ? Date.parse(since) : 0;
  return rows?.filter((r) => !sinceMs || Date.parse(at(r)) >= sinceMs);
}

function DeadLetters({ since }: { since: string }) {
  const { t } = useI18n();
  const f = useFormat();
  const [queue, setQueue] = useState('');
  const [replayed, setReplayed] = useState('false');
  const queues = useApi<QueueList>('/api/admin/queues/stats');
  const list = useApi<{ failures: Failure[] }>(
    '/api/admin/failures',
    { query: { queue, replayed, limit: 200 } },
    POLL_MS,
  );
  const rows = sinceFilter(list.data?.failures, since, (r) => r.failedAt);
  const { notice, failure, act } = useAction(list.reload);
  return (
    <section id="dead-letters">
      <h2>{t('failures.deadLetters')}</h2>
      <div class="filters">
        <SelectFilter
          id="filter-queue"
          label={t('failures.queue')}
          value={queue}
          onChange={setQueue}
          options={[
            ['', t('failures.anyQueue')],
            ...(queues.data?.queues.map((q): [string, string] => [q.name, q.name]) ?? []),
          ]}
        />
        <SelectFilter
          id="filter-replayed"
          label={t('failures.replayedFilter')}
          value={replayed}
          onChange={setReplayed}
          options={[
            ['false', t('failures.notReplayed')],
            ['true', t('failures.replayedOnly')],
            ['', t('failures.anyStatus')],
          ]}
        />
        <ReplayAllButton
          id="replay-all-failures"
          since={since}
          path="/api/admin/failures/replay"
          body={queue ? { queue } : {}}
          act={act}
        />
      </div>
      <ErrorBanner error={failure ?? list.error} />
      <Notice id="failures-result" text={notice} />
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
                <ReplayButton path={`/api/admin/failures/${r.id}/replay`} act={act} />
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
  const list = useApi<{ events: WebhookEvent[] }>(
    '/api/admin/webhooks/logs',
    { query: { provider, status, limit: 200 } },
    POLL_MS,
  );
  const rows = sinceFilter(list.data?.events, since, (r) => r.receivedAt);
  const { notice, failure, act } = useAction(list.reload);
  return (
    <section id="webhook-log">
      <h2>{t('failures.webhookLog')}</h2>
      <div class="filters">
        <SelectFilter
          id="filter-provider"
          label={t('failures.provider')}
          value={provider}
          onChange={setProvider}
          options={[['', t('failures.anyProvider')], ...PROVIDERS.map((p): [string, string] => [p, p])]}
        />
        <SelectFilter
          id="filter-status"
          label={t('failures.status')}
          value={status}
          onChange={setStatus}
          options={[['', t('failures.anyStatus')], ...WEBHOOK_STATUSES.map((s): [string, string] => [s, s])]}
        />
        <ReplayAllButton
          id="replay-all-webhooks"
          since={since}
          path="/api/admin/webhooks/replay"
          body={{
            ...(provider ? { provider } : {}),
            // rejected rows are refused by the replay API, so they are not a replay filter
            ...(status && status !== 'rejected' ? { status } : {}),
          }}
          act={act}
        />
      </div>
      <ErrorBanner error={failure ?? list.error} />
      <Notice id="webhooks-result" text={notice} />
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
                <ReplayButton path={`/api/admin/webhooks/${r.id}/replay`} act={act} />
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
