import { line, scaleLinear } from 'd3';
import { type KeyboardEvent, type PointerEvent, useMemo, useState } from 'react';
import { EmptyState } from './chart/EmptyState';
import { formatInt, formatPercent, formatValue } from './chart/format';
import { PlotFocus } from './chart/PlotFocus';
import { StepAxes } from './chart/StepAxes';
import { useElementWidth } from './chart/useElementWidth';
import './chart/chart.css';
import './RecallChart.css';

export interface RecallChartPoint {
  step: number;
  /** Fraction of the facts recalled, 0 to 1. */
  accuracy: number;
  /** Mean cross-entropy over the answer bytes (nats per byte), shown in the readout when given. */
  answerLoss?: number;
}

export interface RecallChartProps {
  /** Measurements in ascending step order. */
  points: readonly RecallChartPoint[];
  /** Recall of a uniform guess (0 to 1), drawn as a dashed line. */
  chance?: number;
  /** Step range of the axis (e.g. the loss chart's, so the two line up); widened to fit the points. */
  steps?: readonly [number, number];
  height?: number;
  /** What the empty state says before the first measurement. */
  emptyMessage?: string;
  /** Detail for the accessible name. */
  label?: string;
}

export const RECALL_TITLE = 'Fact recall (held-out wording)';

/** The loss chart's margins: stacked under it, the two plots share their left and right edges. */
const M = { top: 8, right: 16, bottom: 38, left: 54 };
/** Up to this many measurements get a dot each; more are a plain line. */
const MAX_DOTS = 120;

const percentTick = (v: number) => `${Math.round(v * 100)}%`;

/** Fact recall over training steps on a 0–100% axis, with the chance level and a readout. */
export function RecallChart({
  points,
  chance,
  steps,
  height = 160,
  emptyMessage = 'No recall measured yet.',
  label,
}: RecallChartProps) {
  const [ref, width] = useElementWidth<HTMLElement>();
  const [cursor, setCursor] = useState<number | null>(null);
  const innerW = Math.max(80, width - M.left - M.right);
  const innerH = Math.max(40, height - M.top - M.bottom);
  // Values that cannot be a fraction recalled are not drawn (and are counted below the chart).
  const drawn = useMemo(
    () => points.filter((p) => Number.isFinite(p.step) && p.accuracy >= 0 && p.accuracy <= 1),
    [points],
  );

  const x = useMemo(() => {
    let x0 = steps?.[0] ?? Number.POSITIVE_INFINITY;
    let x1 = steps?.[1] ?? Number.NEGATIVE_INFINITY;
    for (const p of drawn) {
      x0 = Math.min(x0, p.step);
      x1 = Math.max(x1, p.step);
    }
    if (!Number.isFinite(x0)) [x0, x1] = [0, 1];
    if (!(x1 > x0)) x1 = x0 + 1;
    return scaleLinear().domain([x0, x1]).range([0, innerW]);
  }, [drawn, steps, innerW]);
  const y = useMemo(() => scaleLinear().domain([0, 1]).range([innerH, 0]), [innerH]);
  const path = useMemo(
    () =>
      line<RecallChartPoint>()
        .x((p) => x(p.step))
        .y((p) => y(p.accuracy))(drawn) ?? '',
    [drawn, x, y],
  );

  const chanceOk = chance !== undefined && chance >= 0 && chance <= 1;
  const name = `Fact recall chart${label ? `, ${label}` : ''}`;
  const legend = (
    <ul className="pkm-legend recall-chart__legend" aria-label="Series">
      <li>
        <span className="pkm-legend__swatch recall-chart__swatch" />
        {RECALL_TITLE}
      </li>
      {chanceOk ? (
        <li>
          <svg width={22} height={8} aria-hidden="true">
            <line x1={0} x2={22} y1={4} y2={4} className="recall-chart__chance" />
          </svg>{' '}
          chance {formatPercent(chance)}
        </li>
      ) : null}
    </ul>
  );

  if (points.length === 0 || drawn.length === 0) {
    return (
      <figure ref={ref} className="pkm-figure recall-chart" aria-label={name}>
        <div className="pkm-toolbar">{legend}</div>
        {points.length === 0 ? (
          <EmptyState kind="empty" message={emptyMessage} />
        ) : (
          <EmptyState
            kind="invalid"
            message={`None of the ${formatInt(points.length)} recall values is a fraction from 0 to 1.`}
          />
        )}
      </figure>
    );
  }

  const shown = cursor === null ? null : drawn[Math.min(cursor, drawn.length - 1)];
  const latest = drawn[drawn.length - 1];
  let readout = 'Hover the chart, or focus it and use the arrow keys to read each measurement.';
  if (shown) {
    const loss = shown.answerLoss === undefined ? '' : ` · answer loss ${formatValue(shown.answerLoss)}`;
    readout = `Step ${formatInt(shown.step)} · ${formatPercent(shown.accuracy)} of facts recalled${loss}`;
  }
  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const step = x.invert(e.clientX - box.left - M.left);
    let best = 0;
    for (let i = 1; i < drawn.length; i++) {
      if (Math.abs(drawn[i].step - step) < Math.abs(drawn[best].step - step)) best = i;
    }
    setCursor(best);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const last = drawn.length - 1;
    let next: number | null = null;
    if (e.key === 'ArrowRight') next = cursor === null ? 0 : Math.min(last, cursor + 1);
    else if (e.key === 'ArrowLeft') next = cursor === null ? last : Math.max(0, cursor - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = last;
    else if (e.key === 'Escape') setCursor(null);
    if (next !== null) {
      e.preventDefault();
      setCursor(next);
    }
  };
  const [d0, d1] = x.domain();
  const skipped = points.length - drawn.length;

  return (
    <figure ref={ref} className="pkm-figure recall-chart" aria-label={name}>
      <div className="pkm-toolbar">{legend}</div>
      <PlotFocus
        label="Fact recall: arrow keys move the readout from measurement to measurement"
        onKeyDown={onKeyDown}
      >
        <svg
          width={width}
          height={height}
          role="img"
          aria-label={`${name}: ${drawn.length} measurement${drawn.length === 1 ? '' : 's'}, steps ${formatInt(d0)}–${formatInt(d1)}, latest ${formatPercent(latest.accuracy)} at step ${formatInt(latest.step)}`}
          onPointerMove={onPointerMove}
          onPointerLeave={() => setCursor(null)}
        >
          <g transform={`translate(${M.left},${M.top})`}>
            <StepAxes x={x} y={y} innerW={innerW} innerH={innerH} yTitle="recalled" formatY={percentTick} />
            {chanceOk ? (
              <line
                className="recall-chart__chance"
                data-chance={chance}
                x1={0}
                x2={innerW}
                y1={y(chance)}
                y2={y(chance)}
              />
            ) : null}
            <g className="recall-line">
              <path d={path} />
              {drawn.length <= MAX_DOTS
                ? drawn.map((p) => (
                    <circle key={p.step} cx={x(p.step)} cy={y(p.accuracy)} r={2.5} data-step={p.step} />
                  ))
                : null}
            </g>
            {shown ? (
              <g className="recall-chart__cursor">
                <line x1={x(shown.step)} x2={x(shown.step)} y1={0} y2={innerH} />
                <circle cx={x(shown.step)} cy={y(shown.accuracy)} r={4} />
              </g>
            ) : null}
          </g>
        </svg>
      </PlotFocus>
      <output className="pkm-readout" aria-live="polite">
        {readout}
      </output>
      {skipped > 0 ? (
        <div className="recall-chart__note">
          {formatInt(skipped)} values outside 0–100% (or NaN) are not drawn.
        </div>
      ) : null}
    </figure>
  );
}
