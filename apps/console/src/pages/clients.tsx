import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, formatDateTime, formatMoney, type Role, t } from './_deps.ts';

/**
 * Clients (docs/console.md, "Clients"): search the unified clients, a client's source rows and
 * payments, merge two clients, split a record out, and resolve the merge conflicts.
 */

interface Client {
  id: string;
  name: string | null;
  email: string | null;
  phoneE164: string | null;
  retiredAt: string | null;
  mergedInto: string | null;
  updatedAt: string;
}
interface Source {
  source: string;
  sourceId: string;
  record: string;
  name: string | null;
  email: string | null;
  phoneE164: string | null;
  fetchedAt: string;
}
interface Payment {
  id: string;
  source: string;
  sourceId: string;
  status: string | null;
  currency?: string | null;
  amount?: string | null;
  total?: string | null;
  kind?: string;
  sourceCreatedAt: string | null;
}
interface Conflict {
  id: string;
  field: string;
  existingValue: string | null;
  existingSource: string | null;
  incomingValue: string;
  incomingSource: string;
  status: string;
  choice: string | null;
}

const errorText = (e: unknown) => (e instanceof ApiError ? e.message : String(e));

export function ClientsPage({ role }: { role: Role }) {
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [list, setList] = useState<{ total: number; clients: Client[] } | null>(null);
  const [picked, setPicked] = useState<string[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const qs = new URLSearchParams({ limit: '100' });
    if (search) qs.set('q', search);
    api<{ total: number; clients: Client[] }>('GET', `/api/clients?${qs}`).then(setList, (e) =>
      setError(errorText(e)),
    );
  }, [search, tick]);

  const toggle = (id: string) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2)));
  const merge = async (into: string, from: string) => {
    setError(null);
    try {
      await api('POST', '/api/sync/clients/merge', { into, from });
      setNotice(t('clients.merged', { from, into }));
      setPicked([]);
      setSelected(into);
    } catch (e) {
      setError(errorText(e));
    }
    setTick((n) => n + 1);
  };

  return (
    <section data-page="clients">
      <h1>{t('clients.title')}</h1>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(q.trim());
        }}
      >
        <input
          type="search"
          name="q"
          value={q}
          placeholder={t('clients.searchPlaceholder')}
          onInput={(e) => setQ(e.currentTarget.value)}
        />
        <button type="submit">{t('common.search')}</button>
      </form>
      {role === 'admin' && picked.length === 2 && (
        <div class="merge-bar" data-merge>
          <span>{t('clients.mergeHelp')}</span>
          <button type="button" data-action="merge" onClick={() => merge(picked[0]!, picked[1]!)}>
            {t('clients.mergeInto', { into: picked[0]!, from: picked[1]! })}
          </button>
          <button type="button" onClick={() => merge(picked[1]!, picked[0]!)}>
            {t('clients.mergeInto', { into: picked[1]!, from: picked[0]! })}
          </button>
        </div>
      )}
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
      ) : list.clients.length === 0 ? (
        <p class="empty" data-empty="clients">
          {search ? t('clients.emptySearch') : t('clients.empty')}
        </p>
      ) : (
        <table>
          <caption>{t('clients.count', { shown: list.clients.length, total: list.total })}</caption>
          <thead>
            <tr>
              {role === 'admin' && <th>{t('clients.pick')}</th>}
              <th>#</th>
              <th>{t('clients.name')}</th>
              <th>{t('clients.email')}</th>
              <th>{t('clients.phone')}</th>
              <th>{t('clients.updated')}</th>
            </tr>
          </thead>
          <tbody>
            {list.clients.map((c) => (
              <tr key={c.id} data-client={c.id}>
                {role === 'admin' && (
                  <td>
                    <input
                      type="checkbox"
                      aria-label={t('clients.pickOne', { id: c.id })}
                      checked={picked.includes(c.id)}
                      onChange={() => toggle(c.id)}
                    />
                  </td>
                )}
                <td>
                  <button type="button" class="link" onClick={() => setSelected(c.id)}>
                    {c.id}
                  </button>
                </td>
                <td>{c.name ?? '—'}</td>
                <td>{c.email ?? '—'}</td>
                <td>{c.phoneE164 ?? '—'}</td>
                <td>{formatDateTime(c.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected && (
        <ClientDetail
          id={selected}
          role={role}
          tick={tick}
          onChanged={() => setTick((n) => n + 1)}
          onClose={() => setSelected(null)}
        />
      )}
    </section>
  );
}

function ClientDetail(props: {
  id: string;
  role: Role;
  tick: number;
  onChanged: () => void;
  onClose: () => void;
}) {
  const { id, role } = props;
  const [client, setClient] = useState<{
    client: Client;
    decisions: Array<{ id: string; kind: string; actor: string; createdAt: string }>;
  } | null>(null);
  const [sources, setSources] = useState<Source[]>([]);
  const [payments, setPayments] = useState<{
    transactions: Payment[];
    invoices: Payment[];
    subscriptions: Payment[];
  } | null>(null);
  const [conflicts, setConflicts] = useState<Conflict[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    Promise.all([
      api<typeof client>('GET', `/api/sync/clients/${id}`),
      api<{ sources: Source[] }>('GET', `/api/clients/${id}/sources`),
      api<NonNullable<typeof payments>>('GET', `/api/clients/${id}/payments`),
      api<{ conflicts: Conflict[] }>('GET', `/api/sync/conflicts?status=all&client_id=${id}`),
    ]).then(
      ([c, s, p, k]) => {
        setClient(c);
        setSources(s.sources);
        setPayments(p);
        setConflicts(k.conflicts);
      },
      (e) => setError(errorText(e)),
    );
  }, [id, props.tick]);

  const act = async (method: 'POST', path: string, body: unknown) => {
    setError(null);
    try {
      await api(method, path, body);
    } catch (e) {
      setError(errorText(e));
    }
    props.onChanged();
  };

  if (error) return <p class="error">{error}</p>;
  if (!client || !payments) return <p>{t('common.loading')}</p>;
  const c = client.client;
  const allPayments = [
    ...payments.transactions.map((p) => ({ ...p, what: p.kind ?? 'transaction', value: p.amount ?? null })),
    ...payments.invoices.map((p) => ({ ...p, what: 'invoice', value: p.total ?? null })),
    ...payments.subscriptions.map((p) => ({ ...p, what: 'subscription', value: null })),
  ];
  return (
    <aside class="detail" data-detail="client">
      <header>
        <h2>{t('clients.detailTitle', { id: c.id, name: c.name ?? '' })}</h2>
        <button type="button" onClick={props.onClose}>
          {t('common.close')}
        </button>
      </header>
      {c.mergedInto && <p class="notice">{t('clients.retiredInto', { id: c.mergedInto })}</p>}
      <h3>{t('clients.sources')}</h3>
      {sources.length === 0 ? (
        <p class="empty">{t('clients.noSources')}</p>
      ) : (
        <table data-sources>
          <thead>
            <tr>
              <th>{t('clients.record')}</th>
              <th>{t('clients.name')}</th>
              <th>{t('clients.email')}</th>
              <th>{t('clients.phone')}</th>
              <th>{t('clients.fetched')}</th>
              {role === 'admin' && <th />}
            </tr>
          </thead>
          <tbody>
            {sources.map((s) => (
              <tr key={s.record}>
                <td>{s.record}</td>
                <td>{s.name ?? '—'}</td>
                <td>{s.email ?? '—'}</td>
                <td>{s.phoneE164 ?? '—'}</td>
                <td>{formatDateTime(s.fetchedAt)}</td>
                {role === 'admin' && (
                  <td>
                    {sources.length > 1 && (
                      <button
                        type="button"
                        data-action="split"
                        onClick={() => act('POST', `/api/sync/clients/${c.id}/split`, { record: s.record })}
                      >
                        {t('clients.split')}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{t('clients.payments')}</h3>
      {allPayments.length === 0 ? (
        <p class="empty">{t('clients.noPayments')}</p>
      ) : (
        <table data-payments>
          <thead>
            <tr>
              <th>{t('clients.paymentKind')}</th>
              <th>{t('clients.paymentSource')}</th>
              <th>{t('clients.amount')}</th>
              <th>{t('clients.paymentStatus')}</th>
              <th>{t('clients.paymentDate')}</th>
            </tr>
          </thead>
          <tbody>
            {allPayments.map((p) => (
              <tr key={`${p.what}-${p.id}`}>
                <td>{t(`clients.kind.${p.what}`)}</td>
                <td>
                  {p.source}:{p.sourceId}
                </td>
                <td class="num">{p.value === null ? '—' : formatMoney(p.value, p.currency ?? 'COP')}</td>
                <td>{p.status ?? '—'}</td>
                <td>{formatDateTime(p.sourceCreatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{t('clients.conflicts')}</h3>
      {conflicts.length === 0 ? (
        <p class="empty">{t('clients.noConflicts')}</p>
      ) : (
        <table data-conflicts>
          <thead>
            <tr>
              <th>{t('clients.field')}</th>
              <th>{t('clients.existing')}</th>
              <th>{t('clients.incoming')}</th>
              <th>{t('clients.conflictStatus')}</th>
            </tr>
          </thead>
          <tbody>
            {conflicts.map((k) => (
              <tr key={k.id}>
                <td>{k.field}</td>
                <td>
                  {k.existingValue ?? '—'} <small>{k.existingSource}</small>
                </td>
                <td>
                  {k.incomingValue} <small>{k.incomingSource}</small>
                </td>
                <td>
                  {k.status === 'open' && role === 'admin' ? (
                    <>
                      <button
                        type="button"
                        onClick={() =>
                          act('POST', `/api/sync/conflicts/${k.id}/resolve`, { choice: 'existing' })
                        }
                      >
                        {t('clients.keepExisting')}
                      </button>
                      <button
                        type="button"
                        onClick={() =>
                          act('POST', `/api/sync/conflicts/${k.id}/resolve`, { choice: 'incoming' })
                        }
                      >
                        {t('clients.takeIncoming')}
                      </button>
                    </>
                  ) : k.status === 'open' ? (
                    t('clients.conflictOpen')
                  ) : (
                    t('clients.conflictResolved', { choice: t(`clients.choice.${k.choice ?? 'existing'}`) })
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{t('clients.decisions')}</h3>
      {client.decisions.length === 0 ? (
        <p class="empty">{t('clients.noDecisions')}</p>
      ) : (
        <ul>
          {client.decisions.map((d) => (
            <li key={d.id}>
              {formatDateTime(d.createdAt)} · {t(`clients.decision.${d.kind}`)} · {d.actor}
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
