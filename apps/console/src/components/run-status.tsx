import { useFormat } from '../format-context.ts';
import { useI18n } from '../i18n/index.ts';
import { ProgressBar } from './progress-bar.tsx';
import { StatusBadge } from './status-badge.tsx';

/** A sync_runs row as the sync API answers it (sync, unify and CSV import runs). */
export interface Run {
  id: string;
  source: string;
  kind: string;
  status: string;
  params: Record<string, unknown> | null;
  counters: Record<string, unknown> | null;
  total: number | null;
  processed: number;
  error: string | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}
/** Queued or running: its progress moves and a second start is refused. */
export const live = (run: Run | undefined) => !!run && (run.status === 'queued' || run.status === 'running');

/** A run's status word, with the status in data-status for whoever reads the page by script. */
export function RunStatus({ id, run }: { id: string; run: Run | undefined }) {
  const { t } = useI18n();
  return (
    <span id={id} data-status={run?.status ?? 'never'}>
      {run ? <StatusBadge status={run.status} /> : <span class="muted">{t('sync.neverRun')}</span>}
    </span>
  );
}

/** A run's processed rows (of its total when known), with a bar while it is live. */
export function RunProgress({ run, label }: { run: Run | undefined; label: string }) {
  const { t } = useI18n();
  const f = useFormat();
  if (!run) return null;
  return (
    <>
      {live(run) && <ProgressBar value={run.processed} total={run.total} label={label} />}
      <span class="muted">
        {run.total
          ? t('sync.processedOf', { done: f.number(run.processed), total: f.number(run.total) })
          : t('sync.processed', { done: f.number(run.processed) })}
      </span>
    </>
  );
}
