/** Progress of long work: a bar when the total is known, an indeterminate one when not. */
export function ProgressBar({
  value,
  total,
  label,
}: {
  value: number;
  total?: number | null;
  label?: string;
}) {
  const known = typeof total === 'number' && total > 0;
  const pct = known ? Math.min(100, Math.round((value / total) * 100)) : null;
  return (
    <div
      class={`progress${known ? '' : ' indeterminate'}`}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={known ? total : undefined}
      aria-valuenow={known ? value : undefined}
      aria-label={label}
    >
      <div class="progress-fill" style={{ width: pct === null ? '30%' : `${pct}%` }} />
      {pct !== null && <span class="progress-text">{pct} %</span>}
    </div>
  );
}
