import type { ScaleContinuousNumeric } from 'd3';
import { Axis } from './Axis';
import { formatInt } from './format';

export interface StepAxesProps {
  /** Steps, left to right. */
  x: ScaleContinuousNumeric<number, number>;
  y: ScaleContinuousNumeric<number, number>;
  innerW: number;
  innerH: number;
  yTitle: string;
  formatY: (v: number) => string;
}

/**
 * The axes of a chart over training steps: a gridded value axis on the left, whole steps along
 * the bottom (a short run must not show 1, 1.5 → "1, 2, 2"), and both titles.
 */
export function StepAxes({ x, y, innerW, innerH, yTitle, formatY }: StepAxesProps) {
  return (
    <>
      <Axis
        scale={y}
        orient="left"
        ticks={Math.max(2, Math.floor(innerH / 40))}
        tickFormat={(v) => formatY(Number(v))}
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
        {yTitle}
      </text>
    </>
  );
}
