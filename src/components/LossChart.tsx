import { bisector, line, scaleLinear, scaleLog } from 'd3';
import { type KeyboardEvent, type PointerEvent, useId, useMemo, useState } from 'react';
import { decimateM4 } from './chart/decimate';
import { EmptyState } from './chart/EmptyState';
import { formatInt, formatValue } from './chart/format';
import { PlotFocus } from './chart/PlotFocus';
import { categoryColor } from './chart/palette';
import { StepAxes } from './chart/StepAxes';
import { useElementWidth } from './chart/useElementWidth';
import './chart/chart.css';
import './LossChart.css';

export interface LossSeries {
  /** Training steps, ascending. */
  steps: ArrayLike<number>;
  loss: ArrayLike<number>;
}

export interface LossRun {
  /** e.g. "memory (product keys)", "baseline", "flat keys". */
  name: string;
  train?: LossSeries;
  val?: LossSeries;
  /**
   * Shown for comparison only: once another run has data, the step axis scales to that run and
   * this one is cut at its edge (a 1,500-step reference must not squash a live run of 40 steps).
   */
  reference?: boolean;
}

export interface LossChartProps {
  runs: LossRun[];
  /** Controlled log-y; leave undefined to let the checkbox manage it from `defaultLogY`. */
  logY?: boolean;
  defaultLogY?: boolean;
  onLogYChange?: (logY: boolean) => void;
  height?: number;
  /** Detail for the accessible name. */
  label?: string;
}

const M = { top: 12, right: 16, bottom: 38, left: 54 };
const byStep = bisector<number, number>((d) => d);

interface Line {
  run: number;
  kind: 'train' | 'val';
  s: LossSeries;
}

function validate(runs: LossRun[]) {
  const lines: Line[] = [];
  for (const [r, run] of runs.entries()) {
    for (const kind of ['train', 'val'] as const) {
      const s = run[kind];
      if (!s || s.steps.length === 0) continue;
      if (s.steps.length !== s.loss.length) {
        return {
          problem: {
            kind: 'invalid' as const,
            message: `${run.name} (${kind}): ${s.steps.length} steps but ${s.loss.length} losses.`,
          },
          lines,
        };
      }
      lines.push({ run: r, kind, s });
    }
  }
  if (lines.length === 0)
    return { problem: { kind: 'empty' as const, message: 'No loss recorded yet.' }, lines };
  let finite = 0;
  let total = 0;
  for (const l of lines) {
    total += l.s.loss.length;
    for (let i = 0; i < l.s.loss.length; i++) if (Number.isFinite(l.s.loss[i])) finite++;
  }
  if (finite === 0)
    return {
      problem: { kind: 'invalid' as const, message: `All ${total} loss values are NaN or infinite.` },
      lines,
    };
  return { problem: null, lines, skipped: total - finite };
}

/** Nearest index of `step` in an ascending series. */
function nearest(steps: ArrayLike<number>, step: number): number {
  const arr = steps as unknown as number[];
  const i = byStep.center(arr, step);
  return Math.max(0, Math.min(steps.length - 1, i));
}

/** Training and validation loss over steps for several runs, with a legend, hover readout and log-y. */
export function LossChart({ runs, height = 300, label, ...props }: LossChartProps) {
  const [ref, width] = useElementWidth<HTMLElement>();
  const [ownLog, setOwnLog] = useState(props.defaultLogY ?? false);
  const logY = props.logY ?? ownLog;
  const [cursor, setCursor] = useState<number | null>(null);
  const checkboxId = useId();
  // A reference run longer than the axis is cut at the plot's edge.
  const clipId = `loss-clip-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const { problem, lines, skipped = 0 } = useMemo(() => validate(runs), [runs]);
  const innerW = Math.max(80, width - M.left - M.right);
  const innerH = height - M.top - M.bottom;

  const { x, y, nonPositive } = useMemo(() => {
    let x0 = Number.POSITIVE_INFINITY;
    let x1 = Number.NEGATIVE_INFINITY;
    let y0 = Number.POSITIVE_INFINITY;
    let y1 = Number.NEGATIVE_INFINITY;
    let nonPositive = 0;
    const own = lines.filter((l) => !runs[l.run]?.reference);
    for (const l of own.length > 0 ? own : lines) {
      x0 = Math.min(x0, l.s.steps[0]);
      x1 = Math.max(x1, l.s.steps[l.s.steps.length - 1]);
    }
    for (const l of lines) {
      for (let i = 0; i < l.s.loss.length; i++) {
        const v = l.s.loss[i];
        const step = l.s.steps[i];
        if (!Number.isFinite(v) || step < x0 || step > x1) continue;
        if (logY && v <= 0) {
          nonPositive++;
          continue;
        }
        y0 = Math.min(y0, v);
        y1 = Math.max(y1, v);
      }
    }
    if (!(x1 > x0)) x1 = x0 + 1;
    if (!Number.isFinite(y0)) [y0, y1] = logY ? [0.1, 1] : [0, 1];
    if (!(y1 > y0)) y1 = logY ? y0 * 2 : y0 + 1;
    const x = scaleLinear().domain([x0, x1]).range([0, innerW]);
    const y = (logY ? scaleLog() : scaleLinear()).domain([y0, y1]).range([innerH, 0]).nice();
    return { x, y, nonPositive };
  }, [lines, runs, logY, innerW, innerH]);

  const paths = useMemo(
    () =>
      lines.map((l) => {
        const keep = decimateM4(l.s.steps, l.s.loss, (v) => x(v), innerW);
        const ok = (i: number) => Number.isFinite(l.s.loss[i]) && (!logY || l.s.loss[i] > 0);
        const d = line<number>()
          .defined(ok)
          .x((i) => x(l.s.steps[i]))
          .y((i) => y(l.s.loss[i]))(keep);
        return {
          ...l,
          d: d ?? '',
          points: l.kind === 'val' && l.s.steps.length <= 60 ? keep.filter(ok) : [],
        };
      }),
    [lines, x, y, logY, innerW],
  );

  const bothKinds = lines.some((l) => l.kind === 'train') && lines.some((l) => l.kind === 'val');
  const setLog = (v: boolean) => {
    setOwnLog(v);
    props.onLogYChange?.(v);
  };
  const name = `Loss chart${label ? `, ${label}` : ''}`;
  const [d0, d1] = x.domain();
  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const px = e.clientX - box.left - M.left;
    setCursor(px >= 0 && px <= innerW ? x.invert(px) : null);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const step = (d1 - d0) / (e.shiftKey ? 10 : 100);
    let next: number | null = null;
    if (e.key === 'ArrowRight') next = cursor === null ? d0 : Math.min(d1, cursor + step);
    else if (e.key === 'ArrowLeft') next = cursor === null ? d1 : Math.max(d0, cursor - step);
    else if (e.key === 'Home') next = d0;
    else if (e.key === 'End') next = d1;
    else if (e.key === 'Escape') setCursor(null);
    if (next !== null) {
      e.preventDefault();
      setCursor(next);
    }
  };

  // At the cursor: each line's nearest point, as the readout and as dots on the lines.
  const at =
    cursor === null
      ? []
      : paths.map((p) => {
          const i = nearest(p.s.steps, cursor);
          return { ...p, step: p.s.steps[i], v: p.s.loss[i] };
        });
  let readout = 'Hover the chart, or focus it and use the arrow keys to read the losses.';
  if (at.length > 0) {
    const step = at[0].step;
    const parts = runs
      .map((run, r) => {
        const mine = at.filter((a) => a.run === r);
        if (mine.length === 0) return null;
        return `${run.name}: ${mine.map((a) => `${a.kind} ${formatValue(a.v)}${a.step !== step ? ` (step ${formatInt(a.step)})` : ''}`).join(', ')}`;
      })
      .filter(Boolean);
    readout = `Step ${formatInt(step)} · ${parts.join(' · ')}`;
  }

  return (
    <figure ref={ref} className="pkm-figure loss-chart" aria-label={name}>
      {problem ? (
        <EmptyState {...problem} />
      ) : (
        <>
          <div className="pkm-toolbar">
            <ul className="pkm-legend loss-chart__legend" aria-label="Runs">
              {runs.map((run, r) => (
                <li key={run.name}>
                  <span className="pkm-legend__swatch" style={{ background: categoryColor(r) }} />
                  {run.name}
                </li>
              ))}
              {/* The line-style key only where both kinds are drawn (validation-only charts need none). */}
              {bothKinds ? (
                <li className="loss-chart__styles">
                  <svg width={22} height={8} aria-hidden="true">
                    <line x1={0} x2={22} y1={4} y2={4} className="loss-chart__key" />
                  </svg>{' '}
                  train{' '}
                  <svg width={22} height={8} aria-hidden="true">
                    <line x1={0} x2={22} y1={4} y2={4} className="loss-chart__key loss-chart__key--val" />
                  </svg>{' '}
                  validation
                </li>
              ) : null}
            </ul>
            <label className="loss-chart__log" htmlFor={checkboxId}>
              <input
                id={checkboxId}
                type="checkbox"
                checked={logY}
                onChange={(e) => setLog(e.target.checked)}
              />{' '}
              Log y
            </label>
          </div>
          <PlotFocus label="Loss: arrow keys move the readout along the steps" onKeyDown={onKeyDown}>
            <svg
              width={width}
              height={height}
              role="img"
              aria-label={`${name}: ${runs.length} run${runs.length === 1 ? '' : 's'}, steps ${formatInt(d0)}–${formatInt(d1)}, ${
                logY ? 'log' : 'linear'
              } loss axis`}
              onPointerMove={onPointerMove}
              onPointerLeave={() => setCursor(null)}
            >
              <g transform={`translate(${M.left},${M.top})`}>
                <StepAxes
                  x={x}
                  y={y}
                  innerW={innerW}
                  innerH={innerH}
                  yTitle={`loss${logY ? ' (log)' : ''}`}
                  formatY={formatValue}
                />
                <clipPath id={clipId}>
                  <rect x={-3} y={-3} width={innerW + 6} height={innerH + 6} />
                </clipPath>
                {/* Training lines first, validation on top: the noisy train line must not hide it. */}
                <g clipPath={`url(#${clipId})`}>
                  {[...paths.filter((p) => p.kind === 'train'), ...paths.filter((p) => p.kind === 'val')].map(
                    (p) => (
                      <g
                        key={`${p.run}:${p.kind}`}
                        className={`loss-line loss-line--${p.kind}`}
                        data-run={p.run}
                        style={{ stroke: categoryColor(p.run), fill: categoryColor(p.run) }}
                      >
                        <path d={p.d} />
                        {p.points.map((i) => (
                          <circle key={i} cx={x(p.s.steps[i])} cy={y(p.s.loss[i])} r={2.5} />
                        ))}
                      </g>
                    ),
                  )}
                </g>
                {at.length > 0 ? (
                  <g className="loss-chart__cursor">
                    <line x1={x(at[0].step)} x2={x(at[0].step)} y1={0} y2={innerH} />
                    {at
                      .filter((a) => Number.isFinite(a.v) && (!logY || a.v > 0))
                      .map((a) => (
                        <circle
                          key={`${a.run}:${a.kind}`}
                          cx={x(a.step)}
                          cy={y(a.v)}
                          r={4}
                          style={{ fill: categoryColor(a.run) }}
                        />
                      ))}
                  </g>
                ) : null}
              </g>
            </svg>
          </PlotFocus>
          <output className="pkm-readout" aria-live="polite">
            {readout}
          </output>
          {skipped + nonPositive > 0 ? (
            <div className="loss-chart__note">
              {skipped > 0 ? `${formatInt(skipped)} NaN or infinite values are not drawn. ` : ''}
              {nonPositive > 0 ? `${formatInt(nonPositive)} values ≤ 0 cannot be drawn on a log axis.` : ''}
            </div>
          ) : null}
        </>
      )}
    </figure>
  );
}
