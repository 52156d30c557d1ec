import type { ScaleContinuousNumeric } from 'd3';
import { useId } from 'react';
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

/** A horizontal colour ramp with a d3 axis, as an SVG. */
export function ColorLegend({
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
        ticks={Math.max(2, Math.floor(rampW / 60))}
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
}
