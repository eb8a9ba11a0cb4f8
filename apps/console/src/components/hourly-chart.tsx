import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

const COLOURS = ['#0b6bcb', '#1a7f37', '#b00020', '#9a6700', '#6f42c1', '#0a7f86', '#c2410c', '#5b6474'];

/** Counts per hour, one line per series (uPlot, drawn on a canvas; nothing inline for the CSP). */
export function HourlyChart(props: {
  id?: string;
  hours: readonly string[];
  series: ReadonlyArray<{ label: string; counts: readonly number[] }>;
  formatHour: (d: Date) => string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = props.series.map((s) => s.label).join('|');

  useEffect(() => {
    if (!box.current) return;
    const opts: uPlot.Options = {
      width: Math.max(320, box.current.clientWidth || 600),
      height: 220,
      series: [
        { value: (_u, v) => (v == null ? '' : props.formatHour(new Date(v * 1000))) },
        ...props.series.map((s, i) => ({
          label: s.label,
          stroke: COLOURS[i % COLOURS.length],
          width: 2,
          points: { show: true },
        })),
      ],
      axes: [{ values: (_u, ticks) => ticks.map((t) => props.formatHour(new Date(t * 1000))) }, {}],
      scales: { x: { time: true } },
    };
    plot.current = new uPlot(opts, data(props), box.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // Recreated only when the series change; new numbers go through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(data(props));
  });

  return <div class="chart" id={props.id} ref={box} />;
}

function data(props: { hours: readonly string[]; series: ReadonlyArray<{ counts: readonly number[] }> }) {
  return [
    props.hours.map((h) => Date.parse(h) / 1000),
    ...props.series.map((s) => [...s.counts]),
  ] as uPlot.AlignedData;
}
