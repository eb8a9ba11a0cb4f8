import { useState } from 'preact/hooks';
import { upload } from '../api.ts';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ErrorBanner } from '../components/error-banner.tsx';
import { Notice } from '../components/notice.tsx';
import { ProgressBar } from '../components/progress-bar.tsx';
import { live, type Run, RunStatus } from '../components/run-status.tsx';
import { type CsvPreview, DELIMITERS, type Delimiter, previewCsv, readHead } from '../csv-preview.ts';
import { useFormat } from '../format-context.ts';
import { useAction, useApi } from '../hooks.ts';
import { type MessageKey, useI18n } from '../i18n/index.ts';
import { useIsAdmin } from '../session.ts';

/**
 * CSV import (docs/staging.md, "CSV import"): pick a file, see its first rows, say which column
 * holds each field (guessed from the header as worker-staging would), upload it with a progress
 * bar, then follow the import run: bytes read, rows stored, rows refused and why.
 */

type Field = 'email' | 'phone' | 'name' | 'id';
interface Columns {
  fields: Field[];
  guesses: Record<Field, string[]>;
}
interface Accepted {
  runId: string;
  bytes: number;
}
type Target = 'csv' | 'manychat';
const DELIMITER_LABEL: Record<Delimiter, MessageKey> = {
  ',': 'csv.delimiter.comma',
  ';': 'csv.delimiter.semicolon',
  '\t': 'csv.delimiter.tab',
  '|': 'csv.delimiter.pipe',
};
/** "No column" in a mapping select (the upload sends an empty name: the file has none). */
const NONE = '';

interface Picked {
  file: File;
  preview: CsvPreview;
  /** The file's head, to read the preview again when the separator is changed by hand. */
  head: string;
}

function guess(header: string[], names: readonly string[] | undefined): string {
  return header.find((h) => names?.includes(h.trim().toLowerCase())) ?? NONE;
}

export function CsvImport() {
  const { t } = useI18n();
  const f = useFormat();
  const admin = useIsAdmin();
  const columns = useApi<Columns>('/api/sync/csv/columns');
  const runs = useApi<{ runs: Run[] }>('/api/sync/runs', { query: { source: 'csv', limit: 10 } }, 1000);
  const { notice, failure, act } = useAction(runs.reload);
  const [picked, setPicked] = useState<Picked | null>(null);
  const [mapping, setMapping] = useState<Record<Field, string>>({ email: '', phone: '', name: '', id: '' });
  const [target, setTarget] = useState<Target>('csv');
  const [region, setRegion] = useState('CO');
  const [sent, setSent] = useState<{ done: number; total: number } | null>(null);
  const [openErrors, setOpenErrors] = useState<string | null>(null);

  const pick = async (file: File | undefined) => {
    setSent(null);
    if (!file) return setPicked(null);
    const head = await readHead(file);
    const preview = previewCsv(head);
    setPicked({ file, preview, head });
    const g = columns.data?.guesses;
    setMapping({
      email: guess(preview.header, g?.email),
      phone: guess(preview.header, g?.phone),
      name: guess(preview.header, g?.name),
      id: guess(preview.header, g?.id),
    });
  };
  const setDelimiter = (delimiter: Delimiter) => {
    if (!picked) return;
    setPicked({ ...picked, preview: previewCsv(picked.head, delimiter) });
  };
  const missing = target === 'manychat' ? !mapping.id : !mapping.email && !mapping.phone;

  const send = () =>
    act(async () => {
      if (!picked) return '';
      const form = new FormData();
      form.append('file', picked.file, picked.file.name);
      const query = new URLSearchParams({ target, region, delimiter: picked.preview.delimiter, ...mapping });
      setSent({ done: 0, total: picked.file.size });
      const r = await upload<Accepted>(`/api/sync/csv?${query}`, form, {
        onProgress: (done, total) => setSent({ done, total }),
      }).catch((err: unknown) => {
        setSent(null); // nothing was imported: the same file can be sent again
        throw err;
      });
      setPicked(null);
      return t('csv.accepted', { run: r.runId, bytes: f.number(r.bytes) });
    });

  const header = picked?.preview.header ?? [];
  return (
    <div class="panel" id="csv-import">
      <h2>{t('csv.title')}</h2>
      <p class="muted">{t('csv.intro')}</p>
      <ErrorBanner error={failure ?? columns.error ?? runs.error} />
      <Notice id="csv-notice" text={notice} />
      {admin && (
        <div class="filters">
          <label>
            {t('csv.file')}
            <input
              id="csv-file"
              type="file"
              accept=".csv,.txt,text/csv"
              onChange={(e) => void pick((e.target as HTMLInputElement).files?.[0])}
            />
          </label>
          <label>
            {t('csv.target')}
            <select
              id="csv-target"
              value={target}
              onChange={(e) => setTarget((e.target as HTMLSelectElement).value as Target)}
            >
              <option value="csv">{t('csv.target.csv')}</option>
              <option value="manychat">{t('csv.target.manychat')}</option>
            </select>
          </label>
          <label>
            {t('csv.region')}
            <input
              id="csv-region"
              size={3}
              maxLength={2}
              value={region}
              onInput={(e) => setRegion((e.target as HTMLInputElement).value.toUpperCase())}
            />
          </label>
        </div>
      )}
      {admin && picked && (
        <div id="csv-mapping">
          <p class="muted" id="csv-summary">
            {t('csv.fileSummary', {
              name: picked.file.name,
              bytes: f.number(picked.file.size),
              columns: header.length,
            })}
          </p>
          <div class="filters">
            <label>
              {t('csv.delimiter')}
              <select
                id="csv-delimiter"
                value={picked.preview.delimiter}
                onChange={(e) => setDelimiter((e.target as HTMLSelectElement).value as Delimiter)}
              >
                {DELIMITERS.map((d) => (
                  <option key={d} value={d}>
                    {t(DELIMITER_LABEL[d])}
                  </option>
                ))}
              </select>
            </label>
            {(columns.data?.fields ?? []).map((field) => (
              <label key={field}>
                {t(`csv.field.${field}` as MessageKey)}
                <select
                  id={`map-${field}`}
                  value={mapping[field]}
                  onChange={(e) => setMapping({ ...mapping, [field]: (e.target as HTMLSelectElement).value })}
                >
                  <option value={NONE}>{t('csv.noColumn')}</option>
                  {header.map((h) => (
                    <option key={h} value={h}>
                      {h}
                    </option>
                  ))}
                </select>
              </label>
            ))}
          </div>
          {missing && (
            <p class="error-text" id="csv-missing">
              {target === 'manychat' ? t('csv.needId') : t('csv.needContact')}
            </p>
          )}
          <DataTable
            id="csv-preview"
            rows={picked.preview.rows.map((cells, i) => ({ i, cells }))}
            rowKey={(r) => String(r.i)}
            empty={t('csv.noRows')}
            columns={header.map((h, c) => ({
              key: `${c}`,
              header: (
                <>
                  {h}
                  {Object.entries(mapping)
                    .filter(([, col]) => col === h)
                    .map(([field]) => (
                      <span key={field} class="badge badge-good">
                        {t(`csv.field.${field}` as MessageKey)}
                      </span>
                    ))}
                </>
              ),
              cell: (r: { cells: string[] }) => r.cells[c] ?? '',
            }))}
          />
          <div class="actions">
            <ConfirmButton
              id="csv-upload"
              class="primary"
              disabled={missing || sent !== null}
              onConfirm={send}
            >
              {t('csv.upload')}
            </ConfirmButton>
          </div>
        </div>
      )}
      {sent && (
        <div id="csv-upload-progress" data-sent={sent.done} data-total={sent.total}>
          <span class="muted">
            {t('csv.uploading', { done: f.number(sent.done), total: f.number(sent.total) })}
          </span>
          <ProgressBar value={sent.done} total={sent.total} label={t('csv.upload')} />
        </div>
      )}

      <h3>{t('csv.imports')}</h3>
      <DataTable
        id="csv-runs"
        rows={runs.data?.runs}
        rowKey={(r) => r.id}
        rowClass={() => 'csv-run'}
        empty={admin ? t('csv.noImports') : t('csv.noImportsViewer')}
        columns={[
          { key: 'at', header: t('sync.startedAt'), cell: (r) => f.dateTime(r.startedAt) },
          { key: 'file', header: t('csv.file'), cell: (r) => String(r.params?.file ?? '') },
          {
            key: 'target',
            header: t('csv.target'),
            cell: (r) => (r.params?.target === 'manychat' ? t('csv.target.manychat') : t('csv.target.csv')),
          },
          {
            key: 'status',
            header: t('sync.status'),
            cell: (r) => <RunStatus id={`csv-status-${r.id}`} run={r} />,
          },
          {
            key: 'progress',
            header: t('sync.progress'),
            cell: (r) => {
              const c = r.counters ?? {};
              const pct = Number(c.percent ?? (r.status === 'succeeded' ? 100 : 0));
              return (
                <>
                  {live(r) && <ProgressBar value={pct} total={100} label={t('csv.imports')} />}
                  <span class="muted" data-rows={Number(c.rows ?? 0)} data-stored={Number(c.stored ?? 0)}>
                    {t('csv.counts', {
                      rows: f.number(Number(c.rows ?? 0)),
                      stored: f.number(Number(c.stored ?? 0)),
                      errors: f.number(Number(c.errors ?? 0)),
                    })}
                  </span>
                </>
              );
            },
          },
          {
            key: 'errors',
            header: t('csv.rowErrors'),
            cell: (r) => {
              const errors = (r.counters?.rowErrors ?? []) as Array<{
                row: number;
                error: string;
                value?: string;
              }>;
              if (errors.length === 0) return r.error ?? '';
              return (
                <>
                  <button
                    type="button"
                    class="link show-errors"
                    onClick={() => setOpenErrors(openErrors === r.id ? null : r.id)}
                  >
                    {t('csv.showErrors', { count: errors.length })}
                  </button>
                  {openErrors === r.id && (
                    <ul class="row-errors">
                      {errors.map((e) => (
                        <li key={`${e.row}-${e.error}`}>
                          {t('csv.rowError', { row: e.row, error: e.error })}
                          {e.value !== undefined && <code> «{e.value}»</code>}
                        </li>
                      ))}
                    </ul>
                  )}
                </>
              );
            },
          },
        ]}
      />
    </div>
  );
}
