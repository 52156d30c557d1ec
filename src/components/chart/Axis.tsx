import { type AxisDomain, type AxisScale, axisBottom, axisLeft, axisRight, axisTop, select } from 'd3';
import { useLayoutEffect, useRef } from 'react';

export interface AxisProps<D extends AxisDomain> {
  scale: AxisScale<D>;
  orient: 'bottom' | 'left' | 'top' | 'right';
  /** translate(x, y) of the axis origin. */
  x?: number;
  y?: number;
  ticks?: number;
  tickFormat?: (d: D, i: number) => string;
  tickValues?: D[];
  /** Lines across the plot at each tick (the tick length, negative for inside). */
  gridSize?: number;
}

const makers = { bottom: axisBottom, left: axisLeft, top: axisTop, right: axisRight };

/** A d3 axis rendered into an SVG group; it reruns on every render with the current scale. */
export function Axis<D extends AxisDomain>(props: AxisProps<D>) {
  const ref = useRef<SVGGElement>(null);
  const { scale, orient, ticks, tickFormat, tickValues, gridSize } = props;
  useLayoutEffect(() => {
    if (!ref.current) return;
    const axis = makers[orient](scale);
    if (ticks !== undefined) axis.ticks(ticks);
    if (tickFormat) axis.tickFormat(tickFormat);
    if (tickValues) axis.tickValues(tickValues);
    if (gridSize !== undefined) axis.tickSizeInner(-gridSize).tickSizeOuter(0);
    select(ref.current).call(axis);
  });
  return (
    <g
      ref={ref}
      className={gridSize !== undefined ? 'pkm-axis pkm-axis--grid' : 'pkm-axis'}
      transform={`translate(${props.x ?? 0},${props.y ?? 0})`}
    />
  );
}
