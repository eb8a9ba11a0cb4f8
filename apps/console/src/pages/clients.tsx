import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { Notice } from '../components/notice.tsx';
import { Page } from '../components/page.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useFormat } from '../format-context.ts';
import './domain-pages.css';
import { useAction, useApi } from '../hooks.ts';
import { type MessageKey, useI18n } from '../i18n/index.ts';
import { useIsAdmin } from '../session.ts';

/**
 * Clients (docs/console.md, "Clients"): search the unified clients; a client's source rows,
 * payments, conflicts (with their resolution) and decisions; merge two clients and split a
 * record out. Merge, split and resolve are the identity API's (docs/staging.md).
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
interface Payments {
  transactions: Payment[];
  invoices: Payment[];
  subscriptions: Payment[];
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
interface ClientDetailView {
  client: Client;
  decisions: Array<{ id: string; kind: string; actor: string; createdAt: string; note: string | null }>;
}

const KIND: Record<string, MessageKey> = {
  charge: 'clients.kind.charge',
  payment_intent: 'clients.kind.payment_intent',
  paypal_transaction: 'clients.kind.paypal_transaction',
  invoice: 'clients.kind.invoice',
  subscription: 'clients.kind.subscription',
};
const DECISION: Record<string, MessageKey> = {
  merge: 'clients.decision.merge',
  split: 'clients.decision.split',
};

export function ClientsPage() {
  const { t } = useI18n();
  const f = useFormat();
  const admin = useIsAdmin();
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const list = useApi<{ total: number; clients: Client[] }>('/api/clients', {
    query: { q: search, limit: 100 },
  });
  const changed = async () => {
    setVersion((v) => v + 1);
    await list.reload();
  };
  const { notice, failure, act } = useAction(changed);

  const toggle = (id: string) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2)));
  const merge = (into: string, from: string) =>
    act(async () => {
      await api('/api/sync/clients/merge', { method: 'POST', body: { into, from } });
      setPicked([]);
      setSelected(into);
      return t('clients.merged', { from, into });
    });
  const [a, b] = picked;

  return (
    <Page id="clients" title="clients.title" intro="clients.intro">
      <form
        class="actions"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(q.trim());
        }}
      >
        <input
          id="clients-q"
          type="search"
          value={q}
          placeholder={t('clients.searchPlaceholder')}
          onInput={(e) => setQ(e.currentTarget.value)}
        />
        <button type="submit">{t('common.search')}</button>
      </form>
      {admin && <p class="muted">{t('clients.mergeHelp')}</p>}
      {a && b && (
        <div class="actions" id="clients-merge">
          <ConfirmButton id="merge-into-first" confirm onConfirm={() => merge(a, b)}>
            {t('clients.mergeInto', { into: a, from: b })}
          </ConfirmButton>
          <ConfirmButton id="merge-into-second" confirm onConfirm={() => merge(b, a)}>
            {t('clients.mergeInto', { into: b, from: a })}
          </ConfirmButton>
        </div>
      )}
      <Notice id="clients-notice" text={notice} />
      <ErrorBanner error={failure ?? list.error} onRetry={list.reload} />
      {list.data && (
        <p class="muted">{t('clients.count', { shown: list.data.clients.length, total: list.data.total })}</p>
      )}
      <DataTable
        id="clients-table"
        rows={list.data?.clients}
        rowKey={(c) => c.id}
        empty={search ? t('clients.emptySearch') : t('clients.empty')}
        columns={[
          ...(admin
            ? [
                {
                  key: 'pick',
                  header: t('clients.pick'),
                  cell: (c: Client) => (
                    <input
                      type="checkbox"
                      data-pick-client={c.id}
                      aria-label={t('clients.pickOne', { id: c.id })}
                      checked={picked.includes(c.id)}
                      onChange={() => toggle(c.id)}
                    />
                  ),
                },
              ]
            : []),
          {
            key: 'id',
            header: '#',
            cell: (c) => (
              <button type="button" class="link" data-open-client={c.id} onClick={() => setSelected(c.id)}>
                {c.id}
              </button>
            ),
          },
          { key: 'name', header: t('clients.name'), cell: (c) => c.name ?? t('common.none') },
          { key: 'email', header: t('clients.email'), cell: (c) => c.email ?? t('common.none') },
          { key: 'phone', header: t('clients.phone'), cell: (c) => c.phoneE164 ?? t('common.none') },
          { key: 'updated', header: t('clients.updated'), cell: (c) => f.dateTime(c.updatedAt) },
        ]}
      />
      {selected && (
        <ClientDetail
          key={`${selected}-${version}`}
          id={selected}
          onChanged={changed}
          onClose={() => setSelected(null)}
        />
      )}
    </Page>
  );
}

function ClientDetail(props: { id: string; onChanged: () => void; onClose: () => void }) {
  const { t } = useI18n();
  const f = useFormat();
  // A change shows in the reloaded detail itself (the parent re-keys it): no notice line.
  const { failure, act } = useAction();
  const client = useApi<ClientDetailView>(`/api/sync/clients/${props.id}`);
  const sources = useApi<{ sources: Source[] }>(`/api/clients/${props.id}/sources`);
  const payments = useApi<Payments>(`/api/clients/${props.id}/payments`);
  const conflicts = useApi<{ conflicts: Conflict[] }>('/api/sync/conflicts', {
    query: { status: 'all', client_id: props.id },
  });
  const post = (path: string, body: unknown) =>
    act(async () => {
      await api(path, { method: 'POST', body });
      props.onChanged();
      return '';
    });
  const c = client.data?.client;
  const p = payments.data;
  const allPayments = p
    ? [
        ...p.transactions.map((x) => ({ ...x, what: x.kind ?? 'charge', value: x.amount ?? null })),
        ...p.invoices.map((x) => ({ ...x, what: 'invoice', value: x.total ?? null })),
        ...p.subscriptions.map((x) => ({ ...x, what: 'subscription', value: null })),
      ]
    : undefined;
  const sourceCount = sources.data?.sources.length ?? 0;

  return (
    <aside class="panel detail" id="client-detail">
      <header>
        <h2>{t('clients.detailTitle', { id: props.id, name: c?.name ?? '' })}</h2>
        <button type="button" class="link" onClick={props.onClose}>
          {t('common.close')}
        </button>
      </header>
      <ErrorBanner error={failure ?? client.error ?? sources.error ?? payments.error ?? conflicts.error} />
      {c?.mergedInto && (
        <p class="notice" id="client-retired">
          {t('clients.retiredInto', { id: c.mergedInto })}
        </p>
      )}
      <h3>{t('clients.sources')}</h3>
      <DataTable
        id="client-sources"
        rows={sources.data?.sources}
        rowKey={(s) => s.record}
        empty={t('clients.noSources')}
        columns={[
          { key: 'record', header: t('clients.record'), cell: (s) => <code>{s.record}</code> },
          { key: 'name', header: t('clients.name'), cell: (s) => s.name ?? t('common.none') },
          { key: 'email', header: t('clients.email'), cell: (s) => s.email ?? t('common.none') },
          { key: 'phone', header: t('clients.phone'), cell: (s) => s.phoneE164 ?? t('common.none') },
          { key: 'fetched', header: t('clients.fetched'), cell: (s) => f.dateTime(s.fetchedAt) },
          {
            key: 'split',
            header: '',
            cell: (s) =>
              sourceCount > 1 ? (
                <ConfirmButton
                  confirm
                  onConfirm={() => post(`/api/sync/clients/${props.id}/split`, { record: s.record })}
                >
                  {t('clients.split')}
                </ConfirmButton>
              ) : null,
          },
        ]}
      />
      <h3>{t('clients.payments')}</h3>
      <DataTable
        id="client-payments"
        rows={allPayments}
        rowKey={(x) => `${x.what}-${x.id}`}
        empty={t('clients.noPayments')}
        columns={[
          {
            key: 'kind',
            header: t('clients.paymentKind'),
            cell: (x) => (KIND[x.what] ? t(KIND[x.what]!) : x.what),
          },
          { key: 'source', header: t('clients.paymentSource'), cell: (x) => `${x.source}:${x.sourceId}` },
          {
            key: 'amount',
            header: t('clients.amount'),
            class: 'num',
            cell: (x) =>
              x.value === null
                ? t('common.none')
                : f.money(Number(x.value), (x.currency ?? 'COP').toUpperCase()),
          },
          { key: 'status', header: t('clients.paymentStatus'), cell: (x) => x.status ?? t('common.none') },
          { key: 'date', header: t('clients.paymentDate'), cell: (x) => f.date(x.sourceCreatedAt) },
        ]}
      />
      <h3>{t('clients.conflicts')}</h3>
      <DataTable
        id="client-conflicts"
        rows={conflicts.data?.conflicts}
        rowKey={(k) => k.id}
        empty={t('clients.noConflicts')}
        columns={[
          { key: 'field', header: t('clients.field'), cell: (k) => k.field },
          {
            key: 'existing',
            header: t('clients.existing'),
            cell: (k) => `${k.existingValue ?? t('common.none')} (${k.existingSource ?? ''})`,
          },
          {
            key: 'incoming',
            header: t('clients.incoming'),
            cell: (k) => `${k.incomingValue} (${k.incomingSource})`,
          },
          {
            key: 'resolution',
            header: t('clients.conflictStatus'),
            cell: (k) =>
              k.status === 'open' ? (
                <>
                  <StatusBadge status="open" />
                  <ConfirmButton
                    onConfirm={() => post(`/api/sync/conflicts/${k.id}/resolve`, { choice: 'existing' })}
                  >
                    {t('clients.keepExisting')}
                  </ConfirmButton>
                  <ConfirmButton
                    onConfirm={() => post(`/api/sync/conflicts/${k.id}/resolve`, { choice: 'incoming' })}
                  >
                    {t('clients.takeIncoming')}
                  </ConfirmButton>
                </>
              ) : (
                <>
                  <StatusBadge status="resolved" />{' '}
                  {k.choice === 'incoming' ? t('clients.choice.incoming') : t('clients.choice.existing')}
                </>
              ),
          },
        ]}
      />
      <h3>{t('clients.decisions')}</h3>
      <DataTable
        id="client-decisions"
        rows={client.data?.decisions}
        rowKey={(d) => d.id}
        empty={t('clients.noDecisions')}
        columns={[
          { key: 'at', header: t('clients.at'), cell: (d) => f.dateTime(d.createdAt) },
          {
            key: 'kind',
            header: t('clients.decisionKind'),
            cell: (d) => (DECISION[d.kind] ? t(DECISION[d.kind]!) : d.kind),
          },
          { key: 'actor', header: t('clients.actor'), cell: (d) => d.actor },
          { key: 'note', header: t('clients.note'), cell: (d) => d.note ?? '' },
        ]}
      />
    </aside>
  );
}
