import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { type Column, DataTable } from '../components/data-table.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { Notice } from '../components/notice.tsx';
import { Page } from '../components/page.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useFormat } from '../format-context.ts';
import './domain-pages.css';
import { useAction, useApi } from '../hooks.ts';
import { type MessageKey, useI18n } from '../i18n/index.ts';

/**
 * Orders (docs/console.md, "Orders"): the source document's useful queries as tabs (pending
 * sync, with sync errors, recently synced), an order's actions_log trail, and retry one or all.
 */

interface Order {
  id: number;
  customerName: string;
  phone: string;
  email: string | null;
  city: string;
  department: string;
  pack: string;
  price: string;
  status: string;
  syncedToBigin: boolean;
  biginOrderId: string | null;
  syncError: string | null;
  lastSyncAt: string | null;
  createdAt: string;
}
interface Action {
  id: number;
  actionType: string;
  success: boolean;
  errorMessage: string | null;
  workflowName: string | null;
  createdAt: string;
}

const TABS = {
  pending: { query: { synced: false }, label: 'orders.tab.pending', empty: 'orders.empty.pending' },
  errors: { query: { with_error: true }, label: 'orders.tab.errors', empty: 'orders.empty.errors' },
  synced: {
    query: { synced: true, sort: 'last_sync' },
    label: 'orders.tab.synced',
    empty: 'orders.empty.synced',
  },
} as const satisfies Record<string, { query: object; label: MessageKey; empty: MessageKey }>;
type Tab = keyof typeof TABS;

/** The action types worker-orders writes; anything else is shown as stored. */
const ACTIONS: Record<string, MessageKey> = {
  bigin_order_created: 'orders.action.bigin_order_created',
  bigin_order_failed: 'orders.action.bigin_order_failed',
  callbell_message_sent: 'orders.action.callbell_message_sent',
  callbell_message_failed: 'orders.action.callbell_message_failed',
  callbell_message_skipped: 'orders.action.callbell_message_skipped',
};

export function OrdersPage() {
  const { t } = useI18n();
  const f = useFormat();
  const [tab, setTab] = useState<Tab>('pending');
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<number | null>(null);
  const list = useApi<{ total: number; orders: Order[] }>(
    '/api/orders',
    { query: { ...TABS[tab].query, q: search, limit: 100 } },
    10_000,
  );

  const { notice, failure, act } = useAction(list.reload);
  const retry = (id: number) =>
    act(async () => {
      await api(`/api/orders/${id}/retry`, { method: 'POST' });
      return t('orders.retried', { id });
    });
  const retryAll = () =>
    act(async () => {
      const r = await api<{ queued: number }>('/api/orders/retry-failed', { method: 'POST' });
      return t('orders.retriedAll', { n: r.queued });
    });

  const columns: Array<Column<Order>> = [
    {
      key: 'id',
      header: '#',
      cell: (o) => (
        <button type="button" class="link" data-open-order={o.id} onClick={() => setSelected(o.id)}>
          {o.id}
        </button>
      ),
    },
    { key: 'customer', header: t('orders.customer'), cell: (o) => o.customerName },
    { key: 'phone', header: t('orders.phone'), cell: (o) => o.phone },
    { key: 'pack', header: t('orders.pack'), cell: (o) => o.pack },
    { key: 'price', header: t('orders.price'), class: 'num', cell: (o) => f.money(Number(o.price)) },
    { key: 'created', header: t('orders.created'), cell: (o) => f.dateTime(o.createdAt) },
    { key: 'sync', header: t('orders.sync'), cell: (o) => <SyncState order={o} /> },
    {
      key: 'actions',
      header: '',
      cell: (o) =>
        o.syncedToBigin ? null : (
          <ConfirmButton class="retry" onConfirm={() => retry(o.id)}>
            {t('orders.retry')}
          </ConfirmButton>
        ),
    },
  ];

  return (
    <Page id="orders" title="orders.title" intro="orders.intro">
      <div class="actions">
        <div role="tablist">
          {(Object.keys(TABS) as Tab[]).map((k) => (
            <button
              type="button"
              role="tab"
              key={k}
              id={`orders-tab-${k}`}
              aria-selected={tab === k}
              class={tab === k ? 'active' : ''}
              onClick={() => setTab(k)}
            >
              {t(TABS[k].label)}
            </button>
          ))}
        </div>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setSearch(q.trim());
          }}
        >
          <input
            id="orders-q"
            type="search"
            value={q}
            placeholder={t('orders.searchPlaceholder')}
            onInput={(e) => setQ(e.currentTarget.value)}
          />
          <button type="submit">{t('common.search')}</button>
        </form>
        <ConfirmButton id="orders-retry-all" confirm onConfirm={retryAll}>
          {t('orders.retryAll')}
        </ConfirmButton>
      </div>
      <Notice id="orders-notice" text={notice} />
      <ErrorBanner error={failure ?? list.error} onRetry={list.reload} />
      {list.data && (
        <p class="muted">{t('orders.count', { shown: list.data.orders.length, total: list.data.total })}</p>
      )}
      <DataTable
        id="orders-table"
        rows={list.data?.orders}
        columns={columns}
        rowKey={(o) => String(o.id)}
        empty={search ? t('orders.emptySearch') : t(TABS[tab].empty)}
      />
      {selected !== null && <OrderDetail id={selected} onClose={() => setSelected(null)} />}
    </Page>
  );
}

function SyncState({ order: o }: { order: Order }) {
  const { t } = useI18n();
  const f = useFormat();
  if (o.syncedToBigin)
    return (
      <span class="sync-state" data-state="synced">
        <StatusBadge status="succeeded" /> {f.dateTime(o.lastSyncAt)} {o.biginOrderId ?? ''}
      </span>
    );
  if (o.syncError)
    return (
      <span class="sync-state" data-state="failed">
        <StatusBadge status="failed" /> {o.syncError}
      </span>
    );
  return (
    <span class="sync-state" data-state="pending">
      <StatusBadge status="pending" /> {t('orders.pendingSync')}
    </span>
  );
}

/** The order and its actions_log trail, followed while shown (a retry adds to it). */
function OrderDetail(props: { id: number; onClose: () => void }) {
  const { t } = useI18n();
  const f = useFormat();
  const one = useApi<{ order: Order; actions: Action[] }>(`/api/orders/${props.id}`, {}, 5_000);
  const o = one.data?.order;
  return (
    <aside class="panel detail" id="order-detail">
      <header>
        <h2>{t('orders.detailTitle', { id: props.id })}</h2>
        <button type="button" class="link" onClick={props.onClose}>
          {t('common.close')}
        </button>
      </header>
      <ErrorBanner error={one.error} onRetry={one.reload} />
      {o && (
        <dl>
          <dt>{t('orders.customer')}</dt>
          <dd>{o.customerName}</dd>
          <dt>{t('orders.phone')}</dt>
          <dd>{o.phone}</dd>
          <dt>{t('orders.email')}</dt>
          <dd>{o.email ?? t('common.none')}</dd>
          <dt>{t('orders.city')}</dt>
          <dd>
            {o.city}, {o.department}
          </dd>
          <dt>{t('orders.pack')}</dt>
          <dd>
            {o.pack} · {f.money(Number(o.price))}
          </dd>
          <dt>{t('orders.sync')}</dt>
          <dd>
            <SyncState order={o} />
          </dd>
        </dl>
      )}
      <h3>{t('orders.trail')}</h3>
      <DataTable
        id="order-trail"
        rows={one.data?.actions}
        rowKey={(a) => String(a.id)}
        rowClass={(a) => (a.success ? 'ok' : 'failed')}
        empty={t('orders.trailEmpty')}
        columns={[
          { key: 'at', header: t('orders.at'), cell: (a) => f.dateTime(a.createdAt) },
          {
            key: 'type',
            header: t('orders.actionType'),
            cell: (a) => (ACTIONS[a.actionType] ? t(ACTIONS[a.actionType]!) : a.actionType),
          },
          {
            key: 'ok',
            header: t('orders.result'),
            cell: (a) => <StatusBadge status={a.success ? 'succeeded' : 'failed'} />,
          },
          { key: 'error', header: t('orders.error'), cell: (a) => a.errorMessage ?? '' },
        ]}
      />
    </aside>
  );
}
