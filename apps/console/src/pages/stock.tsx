import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { Notice } from '../components/notice.tsx';
import { Page } from '../components/page.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useFormat } from '../format-context.ts';
import { useAction, useApi } from '../hooks.ts';
import { type MessageKey, useI18n } from '../i18n/index.ts';
import { useLiveStock } from '../live-stock.ts';
import { useIsAdmin } from '../session.ts';

/** GET /api/stock/stats under the source system's keys. */
interface Stats {
  products: {
    total_products: number;
    synced_products: number;
    updated_today: number;
    avg_stock: number;
    last_sync_time: string | null;
  };
  webhooks: { total_webhooks: number; processed_webhooks: number; webhooks_last_hour: number };
  webhooksConfigured: boolean;
  syncRunning: boolean;
}
interface Product {
  id: string;
  siigoProductId: string;
  code: string | null;
  name: string;
  stock: number;
  updatedAt: string;
}
interface Change {
  id: string;
  oldStock: number | null;
  newStock: number;
  source: string;
  createdAt: string;
}
interface Subscription {
  id: string;
  topic: string;
  url: string;
  active: boolean;
  createdAt: string;
}

function Card({ id, label, value }: { id: string; label: string; value: string }) {
  return (
    <div class="card" id={id}>
      <div class="label">{label}</div>
      <div class="value">{value}</div>
    </div>
  );
}

function History({ product }: { product: Product }) {
  const { t } = useI18n();
  const f = useFormat();
  const { data, error } = useApi<{ changes: Change[] }>(
    `/api/stock/products/${product.id}/changes`,
    {},
    5000,
  );
  return (
    <div class="panel" id="history">
      <h2>{t('stock.historyOf', { name: product.name })}</h2>
      <ErrorBanner error={error} />
      <DataTable
        id="history-table"
        rows={data?.changes}
        rowKey={(c) => c.id}
        rowClass={() => 'change'}
        empty={t('stock.noHistory')}
        columns={[
          { key: 'at', header: t('stock.when'), cell: (c) => f.dateTime(c.createdAt) },
          { key: 'o', header: t('stock.oldStock'), class: 'num', cell: (c) => f.number(c.oldStock) },
          { key: 'n', header: t('stock.newStock'), class: 'num', cell: (c) => f.number(c.newStock) },
          { key: 's', header: t('stock.source'), cell: (c) => t(`stock.source.${c.source}` as MessageKey) },
        ]}
      />
    </div>
  );
}

export function StockPage() {
  const { t } = useI18n();
  const f = useFormat();
  const admin = useIsAdmin();
  const stats = useApi<Stats>('/api/stock/stats', {}, 3000);
  const [search, setSearch] = useState('');
  const products = useApi<{ products: Product[] }>(
    '/api/stock/products',
    { query: { search, limit: 50 } },
    5000,
  );
  const subs = useApi<{ subscriptions: Subscription[] }>('/api/webhooks/subscriptions');
  const live = useLiveStock(() => {
    void stats.reload();
  });
  const [selected, setSelected] = useState<Product | null>(null);
  const [testProduct, setTestProduct] = useState('');
  const [testStock, setTestStock] = useState('');
  const { notice, failure, act } = useAction();
  const s = stats.data;
  return (
    <Page id="stock" title="stock.title" intro="stock.intro">
      <ErrorBanner error={failure ?? stats.error} onRetry={stats.reload} />
      <Notice id="stock-notice" text={notice} />
      <h2>{t('stock.dashboard')}</h2>
      <div class="cards" id="stock-stats">
        <Card id="stat-total" label={t('stock.totalProducts')} value={f.number(s?.products.total_products)} />
        <Card
          id="stat-synced"
          label={t('stock.syncedProducts')}
          value={f.number(s?.products.synced_products)}
        />
        <Card id="stat-today" label={t('stock.updatedToday')} value={f.number(s?.products.updated_today)} />
        <Card id="stat-avg" label={t('stock.avgStock')} value={f.number(s?.products.avg_stock, 2)} />
        <Card
          id="stat-last-sync"
          label={t('stock.lastSync')}
          value={s?.products.last_sync_time ? f.dateTime(s.products.last_sync_time) : t('common.never')}
        />
        <Card
          id="stat-webhooks"
          label={t('stock.totalWebhooks')}
          value={f.number(s?.webhooks.total_webhooks)}
        />
        <Card
          id="stat-processed"
          label={t('stock.processedWebhooks')}
          value={f.number(s?.webhooks.processed_webhooks)}
        />
        <Card
          id="stat-hour"
          label={t('stock.webhooksLastHour')}
          value={f.number(s?.webhooks.webhooks_last_hour)}
        />
        <Card
          id="stat-configured"
          label={t('stock.webhooksConfigured')}
          value={s ? (s.webhooksConfigured ? t('common.yes') : t('common.no')) : '…'}
        />
        <div class="card" id="stat-running" data-running={String(!!s?.syncRunning)}>
          <div class="label">{t('stock.syncRunning')}</div>
          <div class="value">
            {s?.syncRunning ? (
              <StatusBadge status="running" />
            ) : (
              <span class="badge">{t('stock.syncIdle')}</span>
            )}
          </div>
          {s?.syncRunning && <ProgressBar value={0} label={t('stock.syncRunning')} />}
        </div>
      </div>
      <div class="actions">
        <ConfirmButton
          id="sync-now"
          class="primary"
          disabled={s?.syncRunning}
          onConfirm={() =>
            act(async () => {
              await api('/api/stock/sync', { method: 'POST' });
              await stats.reload();
              return t('stock.syncQueued');
            })
          }
        >
          {t('stock.syncNow')}
        </ConfirmButton>
      </div>

      <div class="grid2">
        <div>
          <h2>{t('stock.live')}</h2>
          <p class="muted" id="live-state" data-connected={String(live.connected)}>
            {live.connected ? t('stock.liveConnected') : t('stock.liveDisconnected')}
          </p>
          <DataTable
            id="live-changes"
            rows={live.changes}
            rowKey={(c) => c.eventId}
            rowClass={() => 'live-change'}
            empty={t('stock.noLive')}
            columns={[
              { key: 'at', header: t('stock.when'), cell: (c) => f.time(c.timestamp) },
              { key: 'p', header: t('stock.product'), cell: (c) => c.productName },
              { key: 'o', header: t('stock.oldStock'), class: 'num', cell: (c) => f.number(c.oldStock) },
              { key: 'n', header: t('stock.newStock'), class: 'num', cell: (c) => f.number(c.newStock) },
              {
                key: 's',
                header: t('stock.source'),
                cell: (c) => t(`stock.source.${c.source}` as MessageKey),
              },
            ]}
          />
        </div>
        <div>
          <h2>{t('stock.products')}</h2>
          <div class="filters">
            <label>
              {t('stock.search')}
              <input
                id="product-search"
                value={search}
                onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
              />
            </label>
          </div>
          <DataTable
            id="products"
            rows={products.data?.products}
            rowKey={(p) => p.id}
            rowClass={() => 'product'}
            empty={t('stock.noProducts')}
            columns={[
              { key: 'n', header: t('stock.product'), cell: (p) => p.name },
              { key: 'c', header: t('stock.code'), cell: (p) => p.code ?? p.siigoProductId },
              { key: 's', header: t('stock.stock'), class: 'num', cell: (p) => f.number(p.stock) },
              {
                key: 'h',
                header: '',
                cell: (p) => (
                  <button type="button" class="link history" onClick={() => setSelected(p)}>
                    {t('stock.history')}
                  </button>
                ),
              },
            ]}
          />
        </div>
      </div>
      {selected && <History key={selected.id} product={selected} />}

      <h2>{t('stock.subscriptions')}</h2>
      <div class="actions">
        <ConfirmButton
          id="setup-webhooks"
          onConfirm={() =>
            act(async () => {
              const r = await api<{ created: number }>('/api/webhooks/setup', { method: 'POST' });
              await Promise.all([subs.reload(), stats.reload()]);
              return t('stock.setupDone', { created: r.created });
            })
          }
        >
          {t('stock.setup')}
        </ConfirmButton>
      </div>
      <DataTable
        id="subscriptions"
        rows={subs.data?.subscriptions}
        rowKey={(x) => x.id}
        rowClass={() => 'subscription'}
        empty={t('stock.noSubscriptions')}
        columns={[
          { key: 't', header: t('stock.topic'), cell: (x) => x.topic },
          { key: 'u', header: t('stock.url'), cell: (x) => x.url },
          { key: 'a', header: t('stock.active'), cell: (x) => (x.active ? t('common.yes') : t('common.no')) },
        ]}
      />
      {admin && (
        <div class="panel" id="test-event">
          <h2>{t('stock.testEvent')}</h2>
          <p class="muted">{t('stock.testHint')}</p>
          <div class="filters">
            <label>
              {t('stock.testProduct')}
              <input
                id="test-product"
                value={testProduct}
                onInput={(e) => setTestProduct((e.target as HTMLInputElement).value)}
              />
            </label>
            <label>
              {t('stock.testStock')}
              <input
                id="test-stock"
                type="number"
                value={testStock}
                onInput={(e) => setTestStock((e.target as HTMLInputElement).value)}
              />
            </label>
            <ConfirmButton
              id="send-test"
              disabled={!testProduct || testStock === ''}
              onConfirm={() =>
                act(async () => {
                  await api('/api/webhooks/test', {
                    method: 'POST',
                    body: { product_id: testProduct, new_stock: Number(testStock) },
                  });
                  return t('stock.testSent');
                })
              }
            >
              {t('stock.sendTest')}
            </ConfirmButton>
          </div>
        </div>
      )}
    </Page>
  );
}
