import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { Notice } from '../components/notice.tsx';
import { Page } from '../components/page.tsx';
import { live, type Run, RunProgress, RunStatus } from '../components/run-status.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useFormat } from '../format-context.ts';
import { useAction, useApi } from '../hooks.ts';
import { type MessageKey, useI18n } from '../i18n/index.ts';
import './domain-pages.css';
import { CsvImport } from './sync-csv.tsx';

/**
 * The Sync Command Center (docs/console.md, docs/staging.md): sync each source into its staging
 * tables with live progress, unify what waits into clients, resolve merge conflicts, import a
 * CSV. Tables and sources are shown by what they hold, not by their SQL names.
 */

interface Summary {
  latest: Record<string, Run>;
  totals: Record<string, number>;
  pending: Record<string, number>;
}
interface Conflict {
  id: string;
  clientId: string;
  field: string;
  existingValue: string | null;
  existingSource: string | null;
  incomingValue: string;
  incomingSource: string;
  incomingSourceId: string;
}
type MergeOffer = { into: string; from: string };

/** Each source, and the staging table whose row count shows what it brought. */
const SOURCES = [
  { id: 'ghl', table: 'ghl_contacts_raw' },
  { id: 'manychat', table: 'manychat_contacts_raw' },
  { id: 'stripe', table: 'stripe_customers_raw' },
  { id: 'paypal', table: 'transactions' },
] as const;
/** The staging tables unify reads, in the order the summary lists them. */
const TABLES = [
  'ghl_contacts_raw',
  'manychat_contacts_raw',
  'stripe_customers_raw',
  'csv_imports_raw',
  'paypal_payers_raw',
  'transactions',
  'invoices',
  'subscriptions',
] as const;
const FIELD: Record<string, MessageKey> = { email: 'sync.field.email', phone_e164: 'sync.field.phone' };
const sourceLabel = (source: string) => `sync.source.${source}` as MessageKey;

/** A counter card; the figure's element carries the id and the raw count (data-count). */
function Count(props: { id: string; label: string; n: number | undefined; title?: string }) {
  const f = useFormat();
  return (
    <div class="card" title={props.title}>
      <div class="label">{props.label}</div>
      <div class="value" id={props.id} data-count={props.n ?? 0}>
        {f.number(props.n ?? 0)}
      </div>
    </div>
  );
}

export function SyncPage() {
  const { t } = useI18n();
  const f = useFormat();
  // One second, as the runs move: the counters are the progress an operator watches.
  const summary = useApi<Summary>('/api/sync/summary', {}, 1000);
  const conflicts = useApi<{ conflicts: Conflict[] }>(
    '/api/sync/conflicts',
    { query: { status: 'open' } },
    3000,
  );
  const history = useApi<{ runs: Run[] }>('/api/sync/runs', { query: { limit: 15 } }, 3000);
  const reload = () => Promise.all([summary.reload(), conflicts.reload(), history.reload()]);
  const { notice, failure, act } = useAction(reload);
  const [offers, setOffers] = useState<Record<string, MergeOffer>>({});
  const s = summary.data;
  const unify = s?.latest.unify;

  const start = (path: string, done: MessageKey) =>
    act(async () => {
      try {
        await api(path, { method: 'POST' });
        return t(done);
      } catch (err) {
        // 409: a run of that source is already under way; the table shows it.
        if (err instanceof ApiError && err.status === 409) return t('sync.alreadyRunning');
        throw err;
      }
    });
  const resolve = (c: Conflict, choice: 'existing' | 'incoming') =>
    act(async () => {
      try {
        await api(`/api/sync/conflicts/${c.id}/resolve`, { method: 'POST', body: { choice } });
        return t('sync.resolved', { id: c.clientId });
      } catch (err) {
        const body = err instanceof ApiError ? (err.body as { merge?: { body: MergeOffer } }) : undefined;
        if (!body?.merge) throw err;
        // The incoming value belongs to another client: offer to merge the two.
        setOffers((o) => ({ ...o, [c.id]: body.merge!.body }));
        return t('sync.heldByOther', { other: body.merge.body.from });
      }
    });
  const merge = (conflictId: string, offer: MergeOffer) =>
    act(async () => {
      await api('/api/sync/clients/merge', { method: 'POST', body: offer });
      setOffers(({ [conflictId]: _done, ...rest }) => rest);
      return t('sync.merged', offer);
    });

  return (
    <Page id="sync" title="sync.title" intro="sync.intro">
      <ErrorBanner error={failure ?? summary.error} onRetry={summary.reload} />
      <Notice id="sync-notice" text={notice} />

      <h2>{t('sync.sources')}</h2>
      <DataTable
        id="sources"
        rows={s ? SOURCES : undefined}
        rowKey={(x) => x.id}
        empty=""
        columns={[
          { key: 'source', header: t('sync.source'), cell: (x) => t(sourceLabel(x.id)) },
          {
            key: 'status',
            header: t('sync.status'),
            cell: (x) => <RunStatus id={`status-${x.id}`} run={s?.latest[x.id]} />,
          },
          {
            key: 'progress',
            header: t('sync.progress'),
            cell: (x) => <RunProgress run={s?.latest[x.id]} label={t(sourceLabel(x.id))} />,
          },
          {
            key: 'rows',
            header: t('sync.rows'),
            class: 'num',
            cell: (x) => (
              <span id={`raw-${x.id}`} data-count={s?.totals[x.table] ?? 0}>
                {f.number(s?.totals[x.table] ?? 0)}
              </span>
            ),
          },
          {
            key: 'last',
            header: t('sync.lastRun'),
            cell: (x) => {
              const run = s?.latest[x.id];
              if (!run) return t('sync.neverHint');
              return (
                <>
                  {f.dateTime(run.updatedAt)}
                  {run.error && <div class="error-text">{run.error}</div>}
                </>
              );
            },
          },
          {
            key: 'go',
            header: '',
            cell: (x) => (
              <ConfirmButton
                id={`sync-${x.id}`}
                disabled={live(s?.latest[x.id])}
                onConfirm={() => start(`/api/sync/${x.id}`, 'sync.started')}
              >
                {t('sync.syncOne')}
              </ConfirmButton>
            ),
          },
        ]}
      />
      <div class="actions">
        <ConfirmButton
          id="sync-all"
          class="primary"
          onConfirm={() => start('/api/sync/all', 'sync.startedAll')}
        >
          {t('sync.syncAll')}
        </ConfirmButton>
        <span class="muted">{t('sync.syncAllHint')}</span>
      </div>

      <h2>{t('sync.pendingTitle')}</h2>
      <p class="muted">{t('sync.pendingHint')}</p>
      <div class="cards" id="pending">
        {TABLES.map((table) => (
          <Count
            key={table}
            id={`pending-${table}`}
            title={table}
            label={t(`sync.table.${table}` as MessageKey)}
            n={s?.pending[table]}
          />
        ))}
        <Count id="clients-count" label={t('sync.clients')} n={s?.totals.clients} />
        <Count id="conflicts-count" label={t('sync.openConflicts')} n={s?.totals.open_conflicts} />
      </div>
      <div class="actions" id="unify">
        <ConfirmButton
          id="unify-all"
          class="primary"
          disabled={live(unify)}
          onConfirm={() => start('/api/sync/unify', 'sync.unifyStarted')}
        >
          {t('sync.unifyAll')}
        </ConfirmButton>
        <RunStatus id="unify-status" run={unify} />
        {unify && (
          <span class="muted" id="unify-phase">
            {live(unify) && typeof unify.counters?.phase === 'string' ? `${unify.counters.phase} · ` : ''}
            <RunProgress run={unify} label={t('sync.unifyAll')} />
          </span>
        )}
      </div>

      <h2>{t('sync.conflicts')}</h2>
      <p class="muted">{t('sync.conflictsHint')}</p>
      <ErrorBanner error={conflicts.error} onRetry={conflicts.reload} />
      <DataTable
        id="conflicts"
        rows={conflicts.data?.conflicts}
        rowKey={(k) => k.id}
        rowClass={() => 'conflict'}
        empty={t('sync.noConflicts')}
        columns={[
          { key: 'client', header: t('sync.client'), cell: (k) => `#${k.clientId}` },
          {
            key: 'field',
            header: t('sync.field'),
            cell: (k) => (FIELD[k.field] ? t(FIELD[k.field]!) : k.field),
          },
          {
            key: 'existing',
            header: t('sync.existing'),
            cell: (k) => `${k.existingValue ?? t('common.none')} (${k.existingSource ?? '?'})`,
          },
          {
            key: 'incoming',
            header: t('sync.incoming'),
            cell: (k) => `${k.incomingValue} (${k.incomingSource}:${k.incomingSourceId})`,
          },
          {
            key: 'do',
            header: '',
            cell: (k) => (
              <>
                <ConfirmButton class="keep" onConfirm={() => resolve(k, 'existing')}>
                  {t('sync.keepExisting')}
                </ConfirmButton>
                <ConfirmButton class="take" onConfirm={() => resolve(k, 'incoming')}>
                  {t('sync.takeIncoming')}
                </ConfirmButton>
                {offers[k.id] && (
                  <ConfirmButton class="merge" confirm onConfirm={() => merge(k.id, offers[k.id]!)}>
                    {t('sync.mergeOffer', offers[k.id]!)}
                  </ConfirmButton>
                )}
              </>
            ),
          },
        ]}
      />
      <p class="muted">{t('sync.identityHint')}</p>

      <CsvImport />

      <h2>{t('sync.history')}</h2>
      <DataTable
        id="runs"
        rows={history.data?.runs}
        rowKey={(r) => r.id}
        rowClass={() => 'run'}
        empty={t('sync.noRuns')}
        columns={[
          { key: 'at', header: t('sync.startedAt'), cell: (r) => f.dateTime(r.startedAt) },
          { key: 'what', header: t('sync.source'), cell: (r) => t(sourceLabel(r.source)) },
          { key: 'status', header: t('sync.status'), cell: (r) => <StatusBadge status={r.status} /> },
          {
            key: 'done',
            header: t('sync.progress'),
            cell: (r) => <RunProgress run={r} label={t(sourceLabel(r.source))} />,
          },
          {
            key: 'end',
            header: t('sync.finishedAt'),
            cell: (r) => (r.finishedAt ? f.dateTime(r.finishedAt) : t('common.none')),
          },
          { key: 'error', header: t('sync.error'), cell: (r) => r.error ?? '' },
        ]}
      />
    </Page>
  );
}
