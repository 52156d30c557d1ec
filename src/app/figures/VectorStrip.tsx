import { formatValue } from '../../components/chart/format';
import { useElementWidth } from '../../components/chart/useElementWidth';

/**
 * Vectors as rows of diverging bars (one bar per dimension, shared scale): e.g. the token state
 * entering the memory and the memory's output added to it.
 */
export function VectorStrip({
  rows,
  label,
}: {
  rows: { name: string; values: ArrayLike<number>; color: string }[];
  label: string;
}) {
  const [ref, width] = useElementWidth<HTMLElement>();
  const labelW = 128;
  const rowH = 44;
  const dims = rows[0]?.values.length ?? 0;
  let max = 1e-9;
  for (const r of rows) for (let i = 0; i < r.values.length; i++) max = Math.max(max, Math.abs(r.values[i]));
  const plotW = Math.max(80, width - labelW);
  const bw = plotW / Math.max(1, dims);
  const scale = (rowH / 2 - 3) / max;
  return (
    <figure ref={ref} className="pkm-figure vector-strip" aria-label={label}>
      <svg
        width={width}
        height={rows.length * rowH}
        role="img"
        aria-label={`${label}: ${rows.map((r) => r.name).join(', ')}, ${dims} dimensions, scale ±${formatValue(max)}`}
      >
        {rows.map((r, k) => {
          const mid = k * rowH + rowH / 2;
          return (
            <g key={r.name}>
              <text x={0} y={mid} dy="0.32em" className="vector-strip__name">
                {r.name}
              </text>
              <line x1={labelW} x2={labelW + plotW} y1={mid} y2={mid} className="vector-strip__zero" />
              {Array.from(r.values, (v, i) => (
                <rect
                  // biome-ignore lint/suspicious/noArrayIndexKey: dimensions are positional
                  key={i}
                  x={labelW + i * bw + (bw > 3 ? 0.5 : 0)}
                  width={Math.max(0.5, bw - (bw > 3 ? 1 : 0))}
                  y={v >= 0 ? mid - v * scale : mid}
                  height={Math.max(0.5, Math.abs(v) * scale)}
                  style={{ fill: r.color }}
                />
              ))}
            </g>
          );
        })}
      </svg>
      <figcaption className="figure-note">
        {dims} dimensions, shared scale ±{formatValue(max)}
      </figcaption>
    </figure>
  );
}
