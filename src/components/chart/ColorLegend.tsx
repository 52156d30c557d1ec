import type { ScaleContinuousNumeric } from 'd3';
import { memo, useId } from 'react';
import { Axis } from './Axis';
import { sequential } from './palette';

export interface ColorLegendProps {
  /** Maps data values to [0, width] (linear or log); its domain is the colour range. */
  scale: ScaleContinuousNumeric<number, number>;
  width: number;
  title: string;
  interpolate?: (t: number) => string;
  tickFormat?: (v: number) => string;
  /** Extra swatches after the ramp, e.g. the dead-slot colour. */
  extras?: { label: string; color: string }[];
}

/** Ticks about 40 px apart; on a log scale only 1, 2 and 5 times powers of ten (then only powers). */
function legendTicks(scale: ScaleContinuousNumeric<number, number>, width: number): number[] {
  const room = Math.max(2, Math.floor(width / 40));
  const ticks = scale.ticks(room);
  const [lo, hi] = scale.domain();
  const isLog = 'base' in scale;
  if (!isLog) return ticks;
  const lead = (v: number) => Math.round(v / 10 ** Math.floor(Math.log10(v) + 1e-9));
  for (const keep of [[1, 2, 5], [1]]) {
    const picked = ticks.filter((v) => keep.includes(lead(v)));
    if (picked.length <= room) return picked.length > 0 ? picked : [lo, hi];
  }
  return ticks.filter((_, i) => i % Math.ceil(ticks.length / room) === 0);
}

/** A horizontal colour ramp with a d3 axis, as an SVG. */
export const ColorLegend = memo(function ColorLegend({
  scale,
  width,
  title,
  interpolate = sequential,
  tickFormat,
  extras = [],
}: ColorLegendProps) {
  const id = useId();
  const stops = Array.from({ length: 11 }, (_, i) => i / 10);
  const extraW = extras.reduce((w, e) => w + 26 + e.label.length * 6.5, 0);
  const rampW = Math.max(80, width);
  return (
    <svg className="pkm-color-legend" width={rampW + extraW + 16} height={44} aria-hidden="true">
      <defs>
        <linearGradient id={id}>
          {stops.map((t) => (
            <stop key={t} offset={`${t * 100}%`} stopColor={interpolate(t)} />
          ))}
        </linearGradient>
      </defs>
      <text className="pkm-axis-title" x={0} y={10}>
        {title}
      </text>
      <rect x={0} y={14} width={rampW} height={10} fill={`url(#${id})`} />
      <Axis
        scale={scale.copy().range([0, rampW])}
        orient="bottom"
        y={24}
        tickValues={legendTicks(scale, rampW)}
        tickFormat={tickFormat ? (v) => tickFormat(Number(v)) : undefined}
      />
      {extras.map((e, i) => {
        const x = rampW + 16 + extras.slice(0, i).reduce((w, p) => w + 26 + p.label.length * 6.5, 0);
        return (
          <g key={e.label} transform={`translate(${x},14)`}>
            <rect width={10} height={10} style={{ fill: e.color }} className="pkm-color-legend__extra" />
            <text x={14} y={9} className="pkm-axis-title">
              {e.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
});
