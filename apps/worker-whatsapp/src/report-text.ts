import type { SyncReport } from './sync.ts';

const list = (items: string[], max = 10) =>
  items.length > max ? `${items.slice(0, max).join(', ')}, … (+${items.length - max})` : items.join(', ');

/** The report as a short table for people (the CLI prints this; --json prints the report). */
export function formatReport(r: SyncReport): string {
  const row = (label: string, n: number, detail = '') =>
    `  ${label.padEnd(16)}${String(n).padStart(4)}${detail ? `  ${detail}` : ''}`;
  return [
    `WhatsApp numbers sync${r.dryRun ? ' (DRY RUN: nothing was changed; this is what it would do)' : ''}: ${r.file} (${r.entries} entries, ${r.durationMs} ms)`,
    row('added', r.counts.added, list(r.added.map((n) => `${n.displayName} (${n.numberId})`))),
    row('updated', r.counts.updated, list(r.updated.map((n) => `${n.numberId}: ${n.fields.join('/')}`))),
    row(
      'repaired',
      r.counts.repaired,
      list(r.repaired.map((n) => `${n.from} -> ${n.to}${n.queueId === null ? '' : ` (queue ${n.queueId})`}`)),
    ),
    row(
      'deactivated',
      r.counts.deactivated,
      list(r.deactivated.map((n) => `${n.displayName} (${n.numberId})`)),
    ),
    row('unchanged', r.counts.unchanged),
    row(
      'invalid entries',
      r.counts.invalid,
      list(
        r.invalid.map((i) => `#${i.index} ${i.errors.join('; ')}`),
        5,
      ),
    ),
    row(
      'id conflicts',
      r.counts.conflicts,
      list(r.conflicts.map((c) => `${c.phoneNumberId} at #${c.indexes.join(', #')}`)),
    ),
    row(
      'without a queue',
      r.counts.unassigned,
      list(r.unassigned.map((n) => `${n.displayName} (${n.numberId})`)),
    ),
  ].join('\n');
}
