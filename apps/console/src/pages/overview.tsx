import { Link } from 'wouter-preact';
import { DataTable } from '../components/data-table.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { HourlyChart } from '../components/hourly-chart.tsx';
import { Page } from '../components/page.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useFormat } from '../format-context.ts';
import { useApi } from '../hooks.ts';
import { MESSAGES, type MessageKey, useI18n } from '../i18n/index.ts';

/** GET /api/admin/overview (apps/ingress/src/routes/admin/overview.ts). */
export interface Overview {
  generatedAt: string;
  workers: Array<{ app: string; connections: number; up: boolean }>;
  queues: Array<{
    name: string;
    paused: boolean;
    counts: Record<string, number>;
    oldestWaitingSeconds: number;
  }>;
  deadLetters: { waiting: number };
  syncs: Array<{ source: string; lastStatus: string; lastStartedAt: string; lastSucceededAt: string | null }>;
  webhooks: { hours: string[]; providers: Array<{ provider: string; counts: number[] }> };
  recentFailures: Array<{ id: string; queue: string; jobName: string; error: string; failedAt: string }>;
}

const POLL_MS = 3000;

/** A known name in the operator's language, else the raw one. */
export function useNamed() {
  const { t } = useI18n();
  return (prefix: 'source' | 'worker', name: string) => {
    const key = `${prefix}.${name}` as MessageKey;
    return key in MESSAGES.es ? t(key) : name;
  };
}

export function OverviewPage() {
  const { t } = useI18n();
  const f = useFormat();
  const named = useNamed();
  const { data, error, reload } = useApi<Overview>('/api/admin/overview', {}, POLL_MS);
  const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
  return (
    <Page id="overview" title="overview.title" intro="overview.intro">
      <ErrorBanner error={error} onRetry={reload} />
      <p class="muted" id="overview-updated">
        {t('overview.live')} {data && t('common.updatedAt', { time: f.time(data.generatedAt) })}
      </p>

      <h2>{t('overview.workers')}</h2>
      <div class="cards" id="workers">
        {data?.workers.map((w) => (
          <div class="card" key={w.app} id={`worker-${w.app}`} data-up={String(w.up)}>
            <div class="label">{named('worker', w.app)}</div>
            <div class="value">
              <StatusBadge status={w.up ? 'up' : 'missing'} />
            </div>
          </div>
        ))}
        <div class="card" id="dead-letters">
          <div class="label">{t('overview.deadLetters')}</div>
          <div class="value" id="dead-letters-waiting">
            {data ? f.number(data.deadLetters.waiting) : '…'}
          </div>
          <Link href="/failures">{t('overview.deadLettersLink')}</Link>
        </div>
      </div>
      {data?.workers.some((w) => !w.up) && <p class="muted">{t('overview.workersHint')}</p>}

      <h2>{t('overview.webhooks')}</h2>
      {data && data.webhooks.providers.length === 0 ? (
        <p class="empty" id="webhooks-empty">
          {t('overview.noWebhooks')}
        </p>
      ) : (
        data && (
          <div class="panel">
            <HourlyChart
              id="webhooks-chart"
              hours={data.webhooks.hours}
              series={data.webhooks.providers.map((p) => ({ label: p.provider, counts: p.counts }))}
              formatHour={(d) => f.time(d).slice(0, 5)}
            />
            <DataTable
              id="webhooks-table"
              rows={data.webhooks.providers}
              rowKey={(p) => p.provider}
              empty={t('overview.noWebhooks')}
              columns={[
                { key: 'p', header: t('overview.provider'), cell: (p) => p.provider },
                {
                  key: 'n',
                  header: t('common.total'),
                  class: 'num',
                  cell: (p) => <span id={`webhooks-${p.provider}`}>{f.number(total(p.counts))}</span>,
                },
              ]}
            />
          </div>
        )
      )}

      <h2>{t('overview.queues')}</h2>
      <DataTable
        id="queues"
        rows={data?.queues}
        rowKey={(q) => q.name}
        empty={t('table.empty')}
        columns={[
          { key: 'name', header: t('overview.queue'), cell: (q) => q.name },
          {
            key: 'w',
            header: t('overview.waiting'),
            class: 'num',
            cell: (q) => f.number(q.counts.waiting ?? 0),
          },
          {
            key: 'a',
            header: t('overview.active'),
            class: 'num',
            cell: (q) => f.number(q.counts.active ?? 0),
          },
          {
            key: 'd',
            header: t('overview.delayed'),
            class: 'num',
            cell: (q) => f.number(q.counts.delayed ?? 0),
          },
          {
            key: 'f',
            header: t('overview.failed'),
            class: 'num',
            cell: (q) => f.number(q.counts.failed ?? 0),
          },
          {
            key: 'o',
            header: t('overview.oldest'),
            class: 'num',
            cell: (q) =>
              q.oldestWaitingSeconds ? f.duration(q.oldestWaitingSeconds * 1000) : t('common.none'),
          },
        ]}
      />

      <h2>{t('overview.syncs')}</h2>
      <DataTable
        id="syncs"
        rows={data?.syncs}
        rowKey={(s) => s.source}
        empty={t('overview.noSyncs')}
        columns={[
          { key: 's', header: t('overview.source'), cell: (s) => named('source', s.source) },
          {
            key: 'r',
            header: t('overview.lastRun'),
            cell: (s) => (
              <>
                <StatusBadge status={s.lastStatus} /> {f.dateTime(s.lastStartedAt)}
              </>
            ),
          },
          {
            key: 'ok',
            header: t('overview.lastSuccess'),
            cell: (s) => (s.lastSucceededAt ? f.dateTime(s.lastSucceededAt) : t('common.never')),
          },
        ]}
      />

      <h2>{t('overview.failures')}</h2>
      <DataTable
        id="recent-failures"
        rows={data?.recentFailures}
        rowKey={(r) => r.id}
        empty={t('overview.noFailures')}
        columns={[
          { key: 'at', header: t('overview.failedAt'), cell: (r) => f.dateTime(r.failedAt) },
          { key: 'q', header: t('overview.queue'), cell: (r) => r.queue },
          { key: 'j', header: t('overview.job'), cell: (r) => r.jobName },
          { key: 'e', header: t('overview.error'), cell: (r) => r.error },
        ]}
      />
    </Page>
  );
}
