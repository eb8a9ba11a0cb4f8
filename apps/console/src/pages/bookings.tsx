import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, formatDate, formatDateTime, formatMoney, type Role, t } from './_deps.ts';

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
  channel: string | null;
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
    notes: string | null;
  };
  events: Array<{ id: string; eventType: string; status: string; error: string | null; receivedAt: string }>;
}
interface Run {
  runId?: string;
  id?: string;
  status: string;
  processed: number;
  total: number | null;
  counters: Record<string, number>;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  params?: { from?: string; to?: string; by?: string };
}

const FILTERS = ['q', 'arrival_from', 'arrival_to', 'departure_from', 'departure_to'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const NO_FILTERS: Filters = { q: '', arrival_from: '', arrival_to: '', departure_from: '', departure_to: '' };

export function BookingsPage({ role }: { role: Role }) {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [list, setList] = useState<{ total: number; bookings: Booking[] } | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const qs = new URLSearchParams({ limit: '100' });
    for (const k of FILTERS) if (filters[k]) qs.set(k, filters[k]);
    api<{ total: number; bookings: Booking[] }>('GET', `/api/bookings?${qs}`).then(
      (r) => {
        setList(r);
        setError(null);
      },
      (e) => setError(e instanceof ApiError ? e.message : String(e)),
    );
  }, [filters]);
  const searching = FILTERS.some((k) => filters[k]);

  return (
    <section data-page="bookings">
      <h1>{t('bookings.title')}</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ ...draft, q: draft.q.trim() });
        }}
      >
        <label>
          {t('bookings.search')}
          <input
            type="search"
            name="q"
            value={draft.q}
            placeholder={t('bookings.searchPlaceholder')}
            onInput={(e) => setDraft({ ...draft, q: e.currentTarget.value })}
          />
        </label>
        {(['arrival_from', 'arrival_to', 'departure_from', 'departure_to'] as const).map((k) => (
          <label key={k}>
            {t(`bookings.filter.${k}`)}
            <input
              type="date"
              name={k}
              value={draft[k]}
              onInput={(e) => setDraft({ ...draft, [k]: e.currentTarget.value })}
            />
          </label>
        ))}
        <button type="submit">{t('common.search')}</button>
        <button
          type="button"
          onClick={() => {
            setDraft(NO_FILTERS);
            setFilters(NO_FILTERS);
          }}
        >
          {t('common.clear')}
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {list === null ? (
        <p>{t('common.loading')}</p>
      ) : list.bookings.length === 0 ? (
        <p class="empty" data-empty="bookings">
          {searching ? t('bookings.emptySearch') : t('bookings.empty')}
        </p>
      ) : (
        <table>
          <caption>{t('bookings.count', { shown: list.bookings.length, total: list.total })}</caption>
          <thead>
            <tr>
              <th>{t('bookings.id')}</th>
              <th>{t('bookings.guest')}</th>
              <th>{t('bookings.phone')}</th>
              <th>{t('bookings.property')}</th>
              <th>{t('bookings.arrival')}</th>
              <th>{t('bookings.departure')}</th>
              <th>{t('bookings.charges')}</th>
              <th>{t('bookings.balance')}</th>
              <th>{t('bookings.status')}</th>
            </tr>
          </thead>
          <tbody>
            {list.bookings.map((b) => (
              <tr key={b.bookingId} data-booking={b.bookingId}>
                <td>
                  <button type="button" class="link" onClick={() => setSelected(b.bookingId)}>
                    {b.bookingId}
                  </button>
                </td>
                <td>{b.guestName ?? '—'}</td>
                <td>{b.phone ?? '—'}</td>
                <td>{b.propertyName ?? b.propertyId ?? '—'}</td>
                <td>{formatDate(b.arrival)}</td>
                <td>{formatDate(b.departure)}</td>
                <td class="num">{formatMoney(b.totalCharges)}</td>
                <td class="num">{formatMoney(b.balance)}</td>
                <td>{b.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected && <BookingDetail bookingId={selected} onClose={() => setSelected(null)} />}
      <Backfill role={role} />
    </section>
  );
}

function Items({ items, kind }: { items: InvoiceItem[]; kind: 'charges' | 'payments' }) {
  if (!items.length) return <p class="empty">{t(`bookings.no.${kind}`)}</p>;
  return (
    <table data-items={kind}>
      <thead>
        <tr>
          <th>{t('bookings.item')}</th>
          <th>{t('bookings.qty')}</th>
          <th>{t('bookings.amount')}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((i, n) => (
          <tr key={n}>
            <td>{i.description ?? i.type ?? '—'}</td>
            <td class="num">{i.qty ?? 1}</td>
            <td class="num">{formatMoney(i.lineTotal ?? (i.qty ?? 1) * (i.amount ?? 0))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function BookingDetail({ bookingId, onClose }: { bookingId: string; onClose: () => void }) {
  const [data, setData] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<Detail>('GET', `/api/bookings/${encodeURIComponent(bookingId)}`).then(setData, (e) =>
      setError(String(e)),
    );
  }, [bookingId]);
  if (error) return <p class="error">{error}</p>;
  if (!data) return <p>{t('common.loading')}</p>;
  const b = data.booking;
  return (
    <aside class="detail" data-detail="booking">
      <header>
        <h2>{t('bookings.detailTitle', { id: b.bookingId, guest: b.guestName ?? '' })}</h2>
        <button type="button" onClick={onClose}>
          {t('common.close')}
        </button>
      </header>
      <dl>
        <dt>{t('bookings.stay')}</dt>
        <dd>
          {formatDate(b.arrival)} → {formatDate(b.departure)} ({t('bookings.nights', { n: b.numNights ?? 0 })}
          )
        </dd>
        <dt>{t('bookings.phone')}</dt>
        <dd>{b.phone ?? '—'}</dd>
        <dt>{t('bookings.email')}</dt>
        <dd>{b.email ?? '—'}</dd>
        <dt>{t('bookings.charges')}</dt>
        <dd>{formatMoney(b.totalCharges)}</dd>
        <dt>{t('bookings.payments')}</dt>
        <dd>{formatMoney(b.totalPayments)}</dd>
        <dt>{t('bookings.balance')}</dt>
        <dd>{formatMoney(b.balance)}</dd>
      </dl>
      <h3>{t('bookings.charges')}</h3>
      <Items items={b.charges} kind="charges" />
      <h3>{t('bookings.payments')}</h3>
      <Items items={b.payments} kind="payments" />
      <h3>{t('bookings.messages')}</h3>
      {b.messages.length === 0 ? (
        <p class="empty">{t('bookings.no.messages')}</p>
      ) : (
        <ul>
          {b.messages.map((m, n) => (
            <li key={n}>
              {m.time ? `${formatDateTime(m.time)} · ` : ''}
              {m.source ? `${m.source}: ` : ''}
              {m.message}
            </li>
          ))}
        </ul>
      )}
      <h3>{t('bookings.events')}</h3>
      {data.events.length === 0 ? (
        <p class="empty">{t('bookings.no.events')}</p>
      ) : (
        <ul data-events>
          {data.events.map((e) => (
            <li key={e.id}>
              {formatDateTime(e.receivedAt)} · {e.eventType} · {e.status}
              {e.error ? ` · ${e.error}` : ''}
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/** Start a backfill (admin) and follow it; viewers see the runs and their progress only. */
function Backfill({ role }: { role: Role }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [by, setBy] = useState<'arrival' | 'modified'>('arrival');
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    api<{ runs: Run[] }>('GET', '/api/sync/runs?source=beds24&limit=10').then(
      (r) => setRuns(r.runs),
      (e) => setError(String(e)),
    );
  }, [tick]);
  // Poll while a run is under way (the progress moves per page of 100 bookings).
  useEffect(() => {
    if (!runs?.some((r) => !FINISHED.has(r.status))) return;
    const timer = setTimeout(() => setTick((n) => n + 1), 1500);
    return () => clearTimeout(timer);
  }, [runs]);

  const start = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await api('POST', '/api/admin/beds24/backfill', { from, to, by });
      setTick((n) => n + 1);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };

  return (
    <section class="backfill" data-section="backfill">
      <h2>{t('bookings.backfill.title')}</h2>
      <p>{t('bookings.backfill.help')}</p>
      {role === 'admin' && (
        <form onSubmit={start}>
          <label>
            {t('bookings.backfill.from')}
            <input
              type="date"
              name="from"
              required
              value={from}
              onInput={(e) => setFrom(e.currentTarget.value)}
            />
          </label>
          <label>
            {t('bookings.backfill.to')}
            <input type="date" name="to" required value={to} onInput={(e) => setTo(e.currentTarget.value)} />
          </label>
          <label>
            {t('bookings.backfill.by')}
            <select
              name="by"
              value={by}
              onChange={(e) => setBy(e.currentTarget.value as 'arrival' | 'modified')}
            >
              <option value="arrival">{t('bookings.backfill.byArrival')}</option>
              <option value="modified">{t('bookings.backfill.byModified')}</option>
            </select>
          </label>
          <button type="submit" data-action="backfill">
            {t('bookings.backfill.start')}
          </button>
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {runs === null ? null : runs.length === 0 ? (
        <p class="empty">{t('bookings.backfill.empty')}</p>
      ) : (
        <table data-runs>
          <thead>
            <tr>
              <th>{t('bookings.backfill.started')}</th>
              <th>{t('bookings.backfill.range')}</th>
              <th>{t('bookings.backfill.status')}</th>
              <th>{t('bookings.backfill.progress')}</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id ?? r.runId} data-run-status={r.status}>
                <td>{formatDateTime(r.startedAt)}</td>
                <td>
                  {r.params?.from ? `${formatDate(r.params.from)} – ${formatDate(r.params.to ?? null)}` : '—'}
                </td>
                <td>{t(`run.status.${r.status}`)}</td>
                <td>
                  {!FINISHED.has(r.status) && <progress />}{' '}
                  {t('bookings.backfill.counters', {
                    processed: r.processed,
                    inserted: r.counters?.inserted ?? 0,
                    updated: r.counters?.updated ?? 0,
                    pages: r.counters?.pages ?? 0,
                  })}
                  {r.error ? ` · ${r.error}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
