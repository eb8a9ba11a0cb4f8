import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { Page } from '../components/page.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useFormat } from '../format-context.ts';
import './domain-pages.css';
import { useAction, useApi } from '../hooks.ts';
import { useI18n } from '../i18n/index.ts';
import { useIsAdmin } from '../session.ts';

/**
 * Bookings (docs/console.md, "Bookings"): search the stored Beds24 bookings by booking id, guest,
 * phone and stay dates; a booking's charges, payments, messages and the webhook events that
 * touched it; start a backfill and watch its progress.
 */

interface Booking {
  bookingId: string;
  guestName: string | null;
  phone: string | null;
  email: string | null;
  status: string;
  propertyName: string | null;
  propertyId: string | null;
  arrival: string | null;
  departure: string | null;
  numNights: number | null;
  totalCharges: string;
  totalPayments: string;
  balance: string;
}
interface InvoiceItem {
  description?: string;
  qty?: number;
  amount?: number;
  lineTotal?: number;
  type?: string;
}
interface Detail {
  booking: Booking & {
    charges: InvoiceItem[];
    payments: InvoiceItem[];
    messages: Array<{ message?: string; source?: string; time?: string }>;
  };
  events: Array<{ id: string; eventType: string; status: string; error: string | null; receivedAt: string }>;
}
interface Run {
  id: string;
  kind: string;
  status: string;
  processed: number;
  total: number | null;
  counters: { inserted?: number; updated?: number; pages?: number };
  error: string | null;
  startedAt: string;
  params: { from?: string; to?: string; by?: string } | null;
}

const DATE_FILTERS = ['arrival_from', 'arrival_to', 'departure_from', 'departure_to'] as const;
type Filters = Record<'q' | (typeof DATE_FILTERS)[number], string>;
const NO_FILTERS: Filters = { q: '', arrival_from: '', arrival_to: '', departure_from: '', departure_to: '' };
const FILTER_LABEL = {
  arrival_from: 'bookings.filter.arrival_from',
  arrival_to: 'bookings.filter.arrival_to',
  departure_from: 'bookings.filter.departure_from',
  departure_to: 'bookings.filter.departure_to',
} as const;
/** A stay date (YYYY-MM-DD, no time zone) shown as dd/mm/yyyy whatever the browser's zone. */
const stayDate = (d: string | null) => (d ? `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}` : '—');
const itemTotal = (i: InvoiceItem) => i.lineTotal ?? (i.qty ?? 1) * (i.amount ?? 0);

export function BookingsPage() {
  const { t } = useI18n();
  const f = useFormat();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [selected, setSelected] = useState<string | null>(null);
  const list = useApi<{ total: number; bookings: Booking[] }>('/api/bookings', {
    query: { ...filters, limit: 100 },
  });
  const searching = Object.values(filters).some(Boolean);

  return (
    <Page id="bookings" title="bookings.title" intro="bookings.intro">
      <form
        class="filters"
        id="bookings-search"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ ...draft, q: draft.q.trim() });
        }}
      >
        <label>
          {t('common.search')}
          <input
            id="bookings-q"
            type="search"
            value={draft.q}
            placeholder={t('bookings.searchPlaceholder')}
            onInput={(e) => setDraft({ ...draft, q: e.currentTarget.value })}
          />
        </label>
        {DATE_FILTERS.map((k) => (
          <label key={k}>
            {t(FILTER_LABEL[k])}
            <input
              type="date"
              id={`bookings-${k}`}
              value={draft[k]}
              onInput={(e) => setDraft({ ...draft, [k]: e.currentTarget.value })}
            />
          </label>
        ))}
        <button type="submit">{t('common.search')}</button>
        <button
          type="button"
          class="link"
          onClick={() => {
            setDraft(NO_FILTERS);
            setFilters(NO_FILTERS);
          }}
        >
          {t('common.clear')}
        </button>
      </form>
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.data && (
        <p class="muted">
          {t('bookings.count', { shown: list.data.bookings.length, total: list.data.total })}
        </p>
      )}
      <DataTable
        id="bookings-table"
        rows={list.data?.bookings}
        rowKey={(b) => b.bookingId}
        empty={searching ? t('bookings.emptySearch') : t('bookings.empty')}
        columns={[
          {
            key: 'id',
            header: t('bookings.id'),
            cell: (b) => (
              <button
                type="button"
                class="link"
                data-open-booking={b.bookingId}
                onClick={() => setSelected(b.bookingId)}
              >
                {b.bookingId}
              </button>
            ),
          },
          { key: 'guest', header: t('bookings.guest'), cell: (b) => b.guestName ?? t('common.none') },
          { key: 'phone', header: t('bookings.phone'), cell: (b) => b.phone ?? t('common.none') },
          {
            key: 'property',
            header: t('bookings.property'),
            cell: (b) => b.propertyName ?? b.propertyId ?? t('common.none'),
          },
          { key: 'arrival', header: t('bookings.arrival'), cell: (b) => stayDate(b.arrival) },
          { key: 'departure', header: t('bookings.departure'), cell: (b) => stayDate(b.departure) },
          {
            key: 'charges',
            header: t('bookings.charges'),
            class: 'num',
            cell: (b) => f.money(Number(b.totalCharges)),
          },
          {
            key: 'balance',
            header: t('bookings.balance'),
            class: 'num',
            cell: (b) => f.money(Number(b.balance)),
          },
          { key: 'status', header: t('bookings.status'), cell: (b) => <StatusBadge status={b.status} /> },
        ]}
      />
      {selected && <BookingDetail bookingId={selected} onClose={() => setSelected(null)} />}
      <Backfill onFinished={list.reload} />
    </Page>
  );
}

function Items({ id, items, empty }: { id: string; items: InvoiceItem[]; empty: string }) {
  const { t } = useI18n();
  const f = useFormat();
  return (
    <DataTable
      id={id}
      rows={items.map((item, n) => ({ n, item }))}
      rowKey={(r) => String(r.n)}
      empty={empty}
      columns={[
        { key: 'what', header: t('bookings.item'), cell: (r) => r.item.description ?? r.item.type ?? '' },
        { key: 'qty', header: t('bookings.qty'), class: 'num', cell: (r) => f.number(r.item.qty ?? 1) },
        {
          key: 'amount',
          header: t('bookings.amount'),
          class: 'num',
          cell: (r) => f.money(itemTotal(r.item)),
        },
      ]}
    />
  );
}

function BookingDetail({ bookingId, onClose }: { bookingId: string; onClose: () => void }) {
  const { t } = useI18n();
  const f = useFormat();
  const one = useApi<Detail>(`/api/bookings/${encodeURIComponent(bookingId)}`);
  const b = one.data?.booking;
  return (
    <aside class="panel detail" id="booking-detail">
      <header>
        <h2>{t('bookings.detailTitle', { id: bookingId, guest: b?.guestName ?? '' })}</h2>
        <button type="button" class="link" onClick={onClose}>
          {t('common.close')}
        </button>
      </header>
      <ErrorBanner error={one.error} onRetry={one.reload} />
      {b && one.data && (
        <>
          <dl>
            <dt>{t('bookings.stay')}</dt>
            <dd>
              {stayDate(b.arrival)} → {stayDate(b.departure)} ({t('bookings.nights', { n: b.numNights ?? 0 })}
              )
            </dd>
            <dt>{t('bookings.phone')}</dt>
            <dd>{b.phone ?? t('common.none')}</dd>
            <dt>{t('bookings.email')}</dt>
            <dd>{b.email ?? t('common.none')}</dd>
            <dt>{t('bookings.charges')}</dt>
            <dd>{f.money(Number(b.totalCharges))}</dd>
            <dt>{t('bookings.payments')}</dt>
            <dd>{f.money(Number(b.totalPayments))}</dd>
            <dt>{t('bookings.balance')}</dt>
            <dd>{f.money(Number(b.balance))}</dd>
          </dl>
          <h3>{t('bookings.charges')}</h3>
          <Items id="booking-charges" items={b.charges} empty={t('bookings.noCharges')} />
          <h3>{t('bookings.payments')}</h3>
          <Items id="booking-payments" items={b.payments} empty={t('bookings.noPayments')} />
          <h3>{t('bookings.messages')}</h3>
          <DataTable
            id="booking-messages"
            rows={b.messages.map((m, n) => ({ n, m }))}
            rowKey={(r) => String(r.n)}
            empty={t('bookings.noMessages')}
            columns={[
              { key: 'at', header: t('bookings.at'), cell: (r) => (r.m.time ? f.dateTime(r.m.time) : '') },
              { key: 'from', header: t('bookings.from'), cell: (r) => r.m.source ?? '' },
              { key: 'text', header: t('bookings.message'), cell: (r) => r.m.message ?? '' },
            ]}
          />
          <h3>{t('bookings.events')}</h3>
          <DataTable
            id="booking-events"
            rows={one.data.events}
            rowKey={(e) => e.id}
            empty={t('bookings.noEvents')}
            columns={[
              { key: 'at', header: t('bookings.at'), cell: (e) => f.dateTime(e.receivedAt) },
              { key: 'type', header: t('bookings.eventType'), cell: (e) => e.eventType },
              { key: 'status', header: t('bookings.status'), cell: (e) => <StatusBadge status={e.status} /> },
              { key: 'error', header: t('bookings.error'), cell: (e) => e.error ?? '' },
            ]}
          />
        </>
      )}
    </aside>
  );
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/** Start a backfill (admin) and follow every run's progress (viewers follow only). */
function Backfill({ onFinished }: { onFinished: () => void }) {
  const { t } = useI18n();
  const f = useFormat();
  const admin = useIsAdmin();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [by, setBy] = useState<'arrival' | 'modified'>('arrival');
  const runs = useApi<{ runs: Run[] }>('/api/sync/runs', { query: { source: 'beds24', limit: 10 } }, 1_500);
  const running = runs.data?.runs.some((r) => !FINISHED.has(r.status)) ?? false;
  const wasRunning = useRef(false);
  // New bookings are in once a run finishes: the search above shows them.
  useEffect(() => {
    if (wasRunning.current && !running) onFinished();
    wasRunning.current = running;
  }, [running]);

  // The runs table below is the progress report: no notice line of its own.
  const { failure, act } = useAction(runs.reload);
  const start = () =>
    act(async () => {
      await api('/api/admin/beds24/backfill', { method: 'POST', body: { from, to, by } });
      return '';
    });

  return (
    <section class="panel" id="bookings-backfill">
      <h2>{t('bookings.backfill.title')}</h2>
      <p class="muted">{t('bookings.backfill.help')}</p>
      {admin && (
        <div class="actions">
          <label>
            {t('bookings.backfill.from')}
            <input
              type="date"
              id="backfill-from"
              value={from}
              onInput={(e) => setFrom(e.currentTarget.value)}
            />
          </label>
          <label>
            {t('bookings.backfill.to')}
            <input type="date" id="backfill-to" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
          </label>
          <label>
            {t('bookings.backfill.by')}
            <select
              id="backfill-by"
              value={by}
              onChange={(e) => setBy(e.currentTarget.value as 'arrival' | 'modified')}
            >
              <option value="arrival">{t('bookings.backfill.byArrival')}</option>
              <option value="modified">{t('bookings.backfill.byModified')}</option>
            </select>
          </label>
          <ConfirmButton id="backfill-start" disabled={!from || !to} onConfirm={start}>
            {t('bookings.backfill.start')}
          </ConfirmButton>
        </div>
      )}
      <ErrorBanner error={failure ?? runs.error} />
      <DataTable
        id="backfill-runs"
        rows={runs.data?.runs}
        rowKey={(r) => r.id}
        empty={t('bookings.backfill.empty')}
        columns={[
          { key: 'started', header: t('bookings.backfill.started'), cell: (r) => f.dateTime(r.startedAt) },
          {
            key: 'range',
            header: t('bookings.backfill.range'),
            cell: (r) =>
              r.params?.from ? `${stayDate(r.params.from)} – ${stayDate(r.params.to ?? null)}` : '',
          },
          {
            key: 'status',
            header: t('bookings.status'),
            cell: (r) => <StatusBadge status={r.status} />,
          },
          {
            key: 'progress',
            header: t('bookings.backfill.progress'),
            cell: (r) => (
              <>
                {!FINISHED.has(r.status) && <ProgressBar value={r.processed} total={r.total} />}
                <span class="run-counters">
                  {t('bookings.backfill.counters', {
                    processed: f.number(r.processed),
                    inserted: f.number(r.counters?.inserted ?? 0),
                    updated: f.number(r.counters?.updated ?? 0),
                    pages: f.number(r.counters?.pages ?? 0),
                  })}
                </span>
                {r.error ? ` · ${r.error}` : ''}
              </>
            ),
          },
        ]}
      />
    </section>
  );
}
