import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, formatDateTime, formatMoney, type Role, t } from './_deps.ts';

/**
 * Orders (docs/console.md, "Orders"): the source document's useful queries as tabs — pending
 * sync, with sync errors, recently synced — an order's actions_log trail, and retry one / all.
 */

interface Order {
  id: number;
  customerName: string;
  phone: string;
  email: string | null;
  city: string;
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

/** The action types worker-orders writes; anything else is shown as stored. */
const ACTIONS = new Set(['bigin_order_created', 'bigin_order_failed', 'callbell_sent', 'callbell_failed']);
const actionLabel = (type: string) => (ACTIONS.has(type) ? t(`orders.action.${type}`) : type);

const TABS = {
  pending: 'synced=false',
  errors: 'with_error=true',
  synced: 'synced=true&sort=last_sync',
} as const;
type Tab = keyof typeof TABS;

export function OrdersPage({ role }: { role: Role }) {
  const [tab, setTab] = useState<Tab>('pending');
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [list, setList] = useState<{ total: number; orders: Order[] } | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const qs = `${TABS[tab]}&limit=100${search ? `&q=${encodeURIComponent(search)}` : ''}`;
    api<{ total: number; orders: Order[] }>('GET', `/api/orders?${qs}`).then(setList, (e) =>
      setError(String(e)),
    );
  }, [tab, search, tick]);

  const retry = async (id: number) => {
    setError(null);
    try {
      await api('POST', `/api/orders/${id}/retry`);
      setNotice(t('orders.retried', { id }));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
    setTick((n) => n + 1);
  };
  const retryAll = async () => {
    setError(null);
    try {
      const r = await api<{ queued: number }>('POST', '/api/orders/retry-failed');
      setNotice(t('orders.retriedAll', { n: r.queued }));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
    setTick((n) => n + 1);
  };

  return (
    <section data-page="orders">
      <h1>{t('orders.title')}</h1>
      <div class="toolbar">
        <div role="tablist">
          {(Object.keys(TABS) as Tab[]).map((k) => (
            <button
              type="button"
              role="tab"
              aria-selected={tab === k}
              data-tab={k}
              onClick={() => setTab(k)}
              key={k}
            >
              {t(`orders.tab.${k}`)}
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
            type="search"
            name="q"
            value={q}
            placeholder={t('orders.searchPlaceholder')}
            onInput={(e) => setQ(e.currentTarget.value)}
          />
          <button type="submit">{t('common.search')}</button>
        </form>
        <button type="button" onClick={() => setTick((n) => n + 1)}>
          {t('common.refresh')}
        </button>
        {role === 'admin' && (
          <button type="button" data-action="retry-all" onClick={retryAll}>
            {t('orders.retryAll')}
          </button>
        )}
      </div>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {list === null ? (
        <p>{t('common.loading')}</p>
      ) : list.orders.length === 0 ? (
        <p class="empty" data-empty="orders">
          {search ? t('orders.emptySearch') : t(`orders.empty.${tab}`)}
        </p>
      ) : (
        <table>
          <caption>{t('orders.count', { shown: list.orders.length, total: list.total })}</caption>
          <thead>
            <tr>
              <th>#</th>
              <th>{t('orders.customer')}</th>
              <th>{t('orders.phone')}</th>
              <th>{t('orders.pack')}</th>
              <th>{t('orders.price')}</th>
              <th>{t('orders.created')}</th>
              <th>{t('orders.sync')}</th>
              {role === 'admin' && <th />}
            </tr>
          </thead>
          <tbody>
            {list.orders.map((o) => (
              <tr key={o.id} data-order={o.id}>
                <td>
                  <button type="button" class="link" onClick={() => setSelected(o.id)}>
                    {o.id}
                  </button>
                </td>
                <td>{o.customerName}</td>
                <td>{o.phone}</td>
                <td>{o.pack}</td>
                <td class="num">{formatMoney(o.price)}</td>
                <td>{formatDateTime(o.createdAt)}</td>
                <td data-sync-state>
                  {o.syncedToBigin
                    ? t('orders.syncedAt', { at: formatDateTime(o.lastSyncAt), bigin: o.biginOrderId ?? '' })
                    : o.syncError
                      ? t('orders.failed', { error: o.syncError })
                      : t('orders.pendingSync')}
                </td>
                {role === 'admin' && (
                  <td>
                    {!o.syncedToBigin && (
                      <button type="button" data-action="retry" onClick={() => retry(o.id)}>
                        {t('orders.retry')}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected !== null && <OrderDetail id={selected} onClose={() => setSelected(null)} tick={tick} />}
    </section>
  );
}

function OrderDetail({ id, onClose, tick }: { id: number; onClose: () => void; tick: number }) {
  const [data, setData] = useState<{ order: Order; actions: Action[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ order: Order; actions: Action[] }>('GET', `/api/orders/${id}`).then(setData, (e) =>
      setError(String(e)),
    );
  }, [id, tick]);
  if (error) return <p class="error">{error}</p>;
  if (!data) return <p>{t('common.loading')}</p>;
  const o = data.order;
  return (
    <aside class="detail" data-detail="order">
      <header>
        <h2>{t('orders.detailTitle', { id: o.id })}</h2>
        <button type="button" onClick={onClose}>
          {t('common.close')}
        </button>
      </header>
      <dl>
        <dt>{t('orders.customer')}</dt>
        <dd>{o.customerName}</dd>
        <dt>{t('orders.phone')}</dt>
        <dd>{o.phone}</dd>
        <dt>{t('orders.email')}</dt>
        <dd>{o.email ?? '—'}</dd>
        <dt>{t('orders.city')}</dt>
        <dd>{o.city}</dd>
        <dt>{t('orders.pack')}</dt>
        <dd>{o.pack}</dd>
        <dt>{t('orders.price')}</dt>
        <dd>{formatMoney(o.price)}</dd>
        <dt>{t('orders.sync')}</dt>
        <dd>
          {o.syncedToBigin
            ? (o.biginOrderId ?? t('orders.synced'))
            : (o.syncError ?? t('orders.pendingSync'))}
        </dd>
      </dl>
      <h3>{t('orders.trail')}</h3>
      {data.actions.length === 0 ? (
        <p class="empty">{t('orders.trailEmpty')}</p>
      ) : (
        <ol class="trail">
          {data.actions.map((a) => (
            <li key={a.id} data-action-type={a.actionType} class={a.success ? 'ok' : 'failed'}>
              <time>{formatDateTime(a.createdAt)}</time> {actionLabel(a.actionType)}{' '}
              {a.success ? '✓' : `✗ ${a.errorMessage ?? ''}`}
            </li>
          ))}
        </ol>
      )}
    </aside>
  );
}
