import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, formatDateTime, type Role, t } from './_deps.ts';

/**
 * WhatsApp numbers (docs/console.md, "WhatsApp numbers"): the registry with each number's state,
 * queues (create, assign a number), a sync or its dry run with its progress, and the last sync
 * reports. Replaces the source document's manual SQL.
 */

interface WaNumber {
  numberId: string;
  phoneNumber: string;
  displayName: string;
  isActive: boolean;
  state: 'active' | 'repaired' | 'unassigned' | 'needs_repair' | 'inactive';
  queue: { id: number; name: string; isActive: boolean } | null;
  updatedAt: string;
}
interface Queue {
  id: number;
  name: string;
  isActive: boolean;
  activeNumbers: number;
}
interface SyncReport {
  counts: Record<string, number>;
  unassigned: Array<{ numberId: string; displayName: string }>;
}
interface Sync {
  jobId: string;
  state: string;
  trigger?: string;
  dryRun: boolean;
  report: SyncReport | null;
  error: string | null;
  requestedAt: string;
  finishedAt: string | null;
}

const errorText = (e: unknown) => (e instanceof ApiError ? e.message : String(e));
const FINISHED = new Set(['completed', 'failed']);
const COUNTS = ['added', 'updated', 'repaired', 'deactivated', 'unassigned', 'invalid', 'conflicts'] as const;

export function WhatsappPage({ role }: { role: Role }) {
  const [numbers, setNumbers] = useState<WaNumber[] | null>(null);
  const [queues, setQueues] = useState<Queue[]>([]);
  const [syncs, setSyncs] = useState<Sync[]>([]);
  const [name, setName] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    Promise.all([
      api<{ numbers: WaNumber[] }>('GET', '/api/whatsapp/numbers'),
      api<{ queues: Queue[] }>('GET', '/api/whatsapp/queues'),
      api<{ syncs: Sync[] }>('GET', '/api/whatsapp/numbers/syncs?limit=10'),
    ]).then(
      ([n, q, s]) => {
        setNumbers(n.numbers);
        setQueues(q.queues);
        setSyncs(s.syncs);
      },
      (e) => setError(errorText(e)),
    );
  }, [tick]);
  // Follow a sync under way: the worker runs it within seconds.
  useEffect(() => {
    if (!syncs.some((s) => !FINISHED.has(s.state))) return;
    const timer = setTimeout(() => setTick((n) => n + 1), 1000);
    return () => clearTimeout(timer);
  }, [syncs]);

  const run = async (fn: () => Promise<string | null>) => {
    setError(null);
    try {
      setNotice(await fn());
    } catch (e) {
      setError(errorText(e));
    }
    setTick((n) => n + 1);
  };
  const createQueue = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      const q = await api<Queue>('POST', '/api/whatsapp/queues', { name: name.trim() });
      setName('');
      return t('whatsapp.queueCreated', { name: q.name });
    });
  };
  const assign = (numberId: string, queueId: number | null) =>
    run(async () => {
      await api('PUT', `/api/whatsapp/numbers/${encodeURIComponent(numberId)}/queue`, { queueId });
      return t('whatsapp.assigned');
    });
  const sync = (dryRun: boolean) =>
    run(async () => {
      await api('POST', '/api/whatsapp/numbers/sync', { dryRun });
      return dryRun ? t('whatsapp.dryRunQueued') : t('whatsapp.syncQueued');
    });

  const active = queues.filter((q) => q.isActive);
  return (
    <section data-page="whatsapp">
      <h1>{t('whatsapp.title')}</h1>
      <p>{t('whatsapp.help')}</p>
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
      <h2>{t('whatsapp.numbers')}</h2>
      {numbers === null ? (
        <p>{t('common.loading')}</p>
      ) : numbers.length === 0 ? (
        <p class="empty" data-empty="numbers">
          {t('whatsapp.emptyNumbers')}
        </p>
      ) : (
        <table data-numbers>
          <thead>
            <tr>
              <th>{t('whatsapp.displayName')}</th>
              <th>{t('whatsapp.phone')}</th>
              <th>{t('whatsapp.numberId')}</th>
              <th>{t('whatsapp.state')}</th>
              <th>{t('whatsapp.queue')}</th>
            </tr>
          </thead>
          <tbody>
            {numbers.map((n) => (
              <tr key={n.numberId} data-number={n.numberId} data-state={n.state}>
                <td>{n.displayName}</td>
                <td>{n.phoneNumber}</td>
                <td>
                  <code>{n.numberId}</code>
                </td>
                <td>
                  <span class={`badge state-${n.state}`}>{t(`whatsapp.stateName.${n.state}`)}</span>
                </td>
                <td>
                  {role === 'admin' && n.isActive ? (
                    <select
                      aria-label={t('whatsapp.assignTo', { name: n.displayName })}
                      value={n.queue ? String(n.queue.id) : ''}
                      onChange={(e) =>
                        assign(n.numberId, e.currentTarget.value ? Number(e.currentTarget.value) : null)
                      }
                    >
                      <option value="">{t('whatsapp.noQueue')}</option>
                      {active.map((q) => (
                        <option value={String(q.id)} key={q.id}>
                          {q.name}
                        </option>
                      ))}
                    </select>
                  ) : (
                    (n.queue?.name ?? t('whatsapp.noQueue'))
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{t('whatsapp.queues')}</h2>
      {queues.length === 0 ? (
        <p class="empty" data-empty="queues">
          {role === 'admin' ? t('whatsapp.emptyQueuesAdmin') : t('whatsapp.emptyQueues')}
        </p>
      ) : (
        <ul data-queues>
          {queues.map((q) => (
            <li key={q.id}>
              {q.name} · {t('whatsapp.activeNumbers', { n: q.activeNumbers })}
              {q.isActive ? '' : ` · ${t('whatsapp.queueInactive')}`}
            </li>
          ))}
        </ul>
      )}
      {role === 'admin' && (
        <form onSubmit={createQueue} data-form="queue">
          <label>
            {t('whatsapp.newQueue')}
            <input
              name="queue-name"
              required
              maxLength={120}
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </label>
          <button type="submit" data-action="create-queue">
            {t('whatsapp.createQueue')}
          </button>
        </form>
      )}
      <h2>{t('whatsapp.syncs')}</h2>
      {role === 'admin' && (
        <div class="toolbar">
          <button type="button" data-action="dry-run" onClick={() => sync(true)}>
            {t('whatsapp.dryRun')}
          </button>
          <button type="button" data-action="sync" onClick={() => sync(false)}>
            {t('whatsapp.syncNow')}
          </button>
        </div>
      )}
      {syncs.length === 0 ? (
        <p class="empty" data-empty="syncs">
          {t('whatsapp.emptySyncs')}
        </p>
      ) : (
        <table data-syncs>
          <thead>
            <tr>
              <th>{t('whatsapp.requested')}</th>
              <th>{t('whatsapp.trigger')}</th>
              <th>{t('whatsapp.syncState')}</th>
              <th>{t('whatsapp.report')}</th>
            </tr>
          </thead>
          <tbody>
            {syncs.map((s) => (
              <tr key={s.jobId} data-sync={s.jobId} data-sync-state={s.state}>
                <td>{formatDateTime(s.requestedAt)}</td>
                <td>
                  {t(`whatsapp.triggerName.${s.trigger ?? 'schedule'}`)}
                  {s.dryRun ? ` · ${t('whatsapp.dryRunTag')}` : ''}
                </td>
                <td>
                  {!FINISHED.has(s.state) && <progress />} {t(`whatsapp.jobState.${s.state}`)}
                </td>
                <td>
                  {s.report
                    ? COUNTS.map((k) => `${t(`whatsapp.count.${k}`)}: ${s.report?.counts[k] ?? 0}`).join(
                        ' · ',
                      )
                    : (s.error ?? '—')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
