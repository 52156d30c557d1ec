import { extent, line, scaleLinear } from 'd3';
import { Axis } from '../../../components/chart/Axis';
import { formatInt, formatPercent, formatValue } from '../../../components/chart/format';
import { categoryColor } from '../../../components/chart/palette';
import { useElementWidth } from '../../../components/chart/useElementWidth';
import type { CompareRun, CoveragePoint } from './results';

export type CoverageMetric = 'usage' | 'kl_w' | 'gini';

export const COVERAGE_METRICS: { value: CoverageMetric; label: string }[] = [
  { value: 'usage', label: 'Usage' },
  { value: 'kl_w', label: 'KL to uniform' },
  { value: 'gini', label: 'Gini' },
];

const M = { top: 10, right: 16, bottom: 36, left: 54 };

/**
 * One coverage metric of each compared run over the steps, on the validation set (runs without a
 * memory have no line). Colours follow the runs' order, as in the loss chart above it.
 */
export function CoverageCurves({
  runs,
  metric,
  height = 220,
}: {
  runs: CompareRun[];
  metric: CoverageMetric;
  height?: number;
}) {
  const [ref, width] = useElementWidth<HTMLDivElement>(560);
  const lines = runs.map((run, i) => ({ run, i, points: run.coverage })).filter((l) => l.points.length > 0);
  const label = COVERAGE_METRICS.find((m) => m.value === metric)!.label;
  const fmt = (v: number) => (metric === 'usage' ? formatPercent(v) : formatValue(v));
  if (lines.length === 0) {
    return (
      <div ref={ref} className="waiting">
        Coverage curves appear after the first evaluation of a run with a memory.
      </div>
    );
  }
  const all = lines.flatMap((l) => l.points);
  const [s0 = 0, s1 = 1] = extent(all, (p) => p.step);
  const [v0 = 0, v1 = 1] = extent(all, (p) => p[metric]);
  const innerW = Math.max(10, width - M.left - M.right);
  const innerH = height - M.top - M.bottom;
  const x = scaleLinear()
    .domain([s0, s1 > s0 ? s1 : s0 + 1])
    .range([0, innerW]);
  const lo = metric === 'usage' ? 0 : Math.min(0, v0);
  const hi = metric === 'usage' ? Math.max(v1, 0.01) : v1 > lo ? v1 : lo + 1;
  const y = scaleLinear().domain([lo, hi]).nice().range([innerH, 0]);
  const path = line<CoveragePoint>()
    .x((p) => x(p.step))
    .y((p) => y(p[metric]));
  const summary = lines.map((l) => `${l.run.label} ${fmt(l.points[l.points.length - 1][metric])}`).join(', ');
  return (
    <div ref={ref} className="compare-coverage">
      <svg
        width={width}
        height={height}
        role="img"
        aria-label={`${label} of the first memory layer over the steps, on the validation set. Last values: ${summary}.`}
      >
        <g transform={`translate(${M.left},${M.top})`}>
          <Axis
            scale={y}
            orient="left"
            ticks={Math.max(2, Math.floor(innerH / 40))}
            tickFormat={(v) => fmt(Number(v))}
            gridSize={innerW}
          />
          <Axis
            scale={x}
            orient="bottom"
            y={innerH}
            tickValues={x.ticks(Math.max(2, Math.floor(innerW / 90))).filter(Number.isInteger)}
            tickFormat={(v) => formatInt(Number(v))}
          />
          <text className="pkm-axis-title" x={innerW / 2} y={innerH + 32} textAnchor="middle">
            step
          </text>
          <text
            className="pkm-axis-title"
            transform={`translate(-42,${innerH / 2}) rotate(-90)`}
            textAnchor="middle"
          >
            {label.toLowerCase()}
          </text>
          {lines.map((l) => (
            <g key={l.run.id} className="compare-coverage__run" style={{ color: categoryColor(l.i) }}>
              <path d={path(l.points) ?? ''} fill="none" stroke="currentColor" strokeWidth={2} />
              {l.points.map((p) => (
                <circle key={p.step} cx={x(p.step)} cy={y(p[metric])} r={3} fill="currentColor" />
              ))}
            </g>
          ))}
        </g>
      </svg>
    </div>
  );
}
