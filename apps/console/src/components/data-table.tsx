import type { ComponentChildren } from 'preact';
import { useI18n } from '../i18n/index.ts';

export interface Column<R> {
  key: string;
  header: ComponentChildren;
  cell: (row: R) => ComponentChildren;
  class?: string;
}

/**
 * A table, or when there are no rows the `empty` text, which says what to do to get some
 * ("run a sync", "no failure: nothing to do").
 */
export function DataTable<R>(props: {
  id?: string;
  rows: readonly R[] | undefined;
  columns: ReadonlyArray<Column<R>>;
  rowKey: (row: R) => string;
  rowClass?: (row: R) => string;
  empty: ComponentChildren;
  loading?: boolean;
}) {
  const { t } = useI18n();
  if (!props.rows) return <p class="muted">{t('common.loading')}</p>;
  if (props.rows.length === 0)
    return (
      <p class="empty" id={props.id ? `${props.id}-empty` : undefined}>
        {props.empty}
      </p>
    );
  return (
    <div class="table-wrap">
      <table id={props.id}>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.key} class={c.class}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={props.rowKey(r)} class={props.rowClass?.(r)}>
              {props.columns.map((c) => (
                <td key={c.key} class={c.class}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
