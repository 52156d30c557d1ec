import { extent, line, scaleLinear } from 'd3';
import { useElementWidth } from './useElementWidth';

export interface SparklineProps {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Accessible description, e.g. "Usage history: 36% at step 0 to 61% at step 1,000". */
  label: string;
  height?: number;
}

/** A small line chart of a metric's history; non-finite points leave gaps. */
export function Sparkline({ x, y, label, height = 34 }: SparklineProps) {
  const [ref, width] = useElementWidth<HTMLDivElement>(160);
  const idx = Array.from({ length: Math.min(x.length, y.length) }, (_, i) => i);
  const ok = idx.filter((i) => Number.isFinite(x[i]) && Number.isFinite(y[i]));
  const [x0 = 0, x1 = 1] = extent(ok, (i) => x[i]);
  const [y0 = 0, y1 = 1] = extent(ok, (i) => y[i]);
  const sx = scaleLinear()
    .domain([x0, x1 > x0 ? x1 : x0 + 1])
    .range([3, width - 3]);
  const pad = (y1 - y0) * 0.08 || 1;
  const sy = scaleLinear()
    .domain([y0 - pad, y1 + pad])
    .range([height - 3, 3]);
  const path = line<number>()
    .defined((i) => Number.isFinite(x[i]) && Number.isFinite(y[i]))
    .x((i) => sx(x[i]))
    .y((i) => sy(y[i]))(idx);
  const last = ok.at(-1);
  return (
    <div ref={ref} className="pkm-sparkline">
      <svg width={width} height={height} role="img" aria-label={label}>
        {path ? <path className="pkm-sparkline__line" d={path} /> : null}
        {last !== undefined ? (
          <circle className="pkm-sparkline__dot" cx={sx(x[last])} cy={sy(y[last])} r={2.5} />
        ) : null}
      </svg>
    </div>
  );
}
