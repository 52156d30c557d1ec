import { extent, scaleBand, scaleLinear } from 'd3';
import { type KeyboardEvent, type PointerEvent, useMemo, useState } from 'react';
import { Axis } from './chart/Axis';
import { moveCursor } from './chart/cursor';
import { EmptyState } from './chart/EmptyState';
import { countNonFinite, formatValue } from './chart/format';
import { PlotFocus } from './chart/PlotFocus';
import { Segmented } from './chart/Segmented';
import { indexTicks } from './chart/ticks';
import { useElementWidth } from './chart/useElementWidth';
import './chart/chart.css';
import './SubKeyScores.css';

export type SubKeyOrder = 'sorted' | 'key';

export interface SubKeyScoresProps {
  /** Scores of one head and half against all n_keys sub-keys (HeadTrace.subScores[half]). */
  scores: ArrayLike<number>;
  /** The top-k sub-key indices of that half, best first (HeadTrace.subTop[half].indices). */
  selected: ArrayLike<number>;
  /** Controlled order; leave undefined to let the toggle manage it from `defaultOrder`. */
  order?: SubKeyOrder;
  defaultOrder?: SubKeyOrder;
  onOrderChange?: (order: SubKeyOrder) => void;
  /** Detail for the accessible name, e.g. "head 1, half 1". */
  label?: string;
  height?: number;
}

const M = { top: 16, right: 12, bottom: 34, left: 46 };
const ORDERS = [
  { value: 'sorted', label: 'Sorted' },
  { value: 'key', label: 'Key order' },
] as const;

function validate(scores: ArrayLike<number>, selected: ArrayLike<number>) {
  if (scores.length === 0) return { kind: 'empty' as const, message: 'No sub-key scores to show.' };
  const bad = countNonFinite(scores);
  if (bad > 0)
    return {
      kind: 'invalid' as const,
      message: `${bad} of ${scores.length} scores are not finite (NaN or ∞).`,
    };
  for (let m = 0; m < selected.length; m++) {
    const i = selected[m];
    if (!Number.isInteger(i) || i < 0 || i >= scores.length) {
      return {
        kind: 'invalid' as const,
        message: `Selected sub-key ${i} is outside 0–${scores.length - 1}.`,
      };
    }
  }
  return null;
}

/** One head and half's scores against all sub-keys, sorted or in key order, top-k and cut-off marked. */
export function SubKeyScores(props: SubKeyScoresProps) {
  const { scores, selected, label, height = 200 } = props;
  const [ref, width] = useElementWidth<HTMLElement>();
  const [ownOrder, setOwnOrder] = useState<SubKeyOrder>(props.defaultOrder ?? 'sorted');
  const order = props.order ?? ownOrder;
  const [cursor, setCursor] = useState<number | null>(null);
  const problem = validate(scores, selected);
  const n = problem ? 0 : scores.length;
  const k = selected.length;

  const { byRank, rankOf, isSelected, cutoff } = useMemo(() => {
    const byRank = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
    const rankOf = new Int32Array(n);
    byRank.forEach((key, r) => {
      rankOf[key] = r;
    });
    const isSelected = new Uint8Array(n);
    let cutoff = Number.POSITIVE_INFINITY;
    for (let m = 0; m < (n ? selected.length : 0); m++) {
      isSelected[selected[m]] = 1;
      cutoff = Math.min(cutoff, scores[selected[m]]);
    }
    return { byRank, rankOf, isSelected, cutoff: Number.isFinite(cutoff) ? cutoff : null };
  }, [scores, selected, n]);

  const innerW = Math.max(60, width - M.left - M.right);
  const innerH = height - M.top - M.bottom;
  const x = scaleBand<number>()
    .domain(Array.from({ length: n }, (_, p) => p))
    .range([0, innerW])
    .paddingInner(innerW / Math.max(1, n) > 4 ? 0.15 : 0);
  const [lo = 0, hi = 1] = extent(Array.from(scores));
  const y = scaleLinear()
    .domain([Math.min(0, lo), Math.max(0, hi)])
    .nice()
    .range([innerH, 0]);
  const keyAt = (p: number) => (order === 'sorted' ? byRank[p] : p);
  const posOf = (key: number) => (order === 'sorted' ? rankOf[key] : key);
  // Sorted order labels ranks from 1, key order indices from 0.
  const tickValues =
    order === 'sorted'
      ? indexTicks(n + 1, innerW)
          .slice(1)
          .map((r) => r - 1)
      : indexTicks(n, innerW);
  if (order === 'sorted') tickValues.unshift(0);
  const setOrder = (o: SubKeyOrder) => {
    setOwnOrder(o);
    props.onOrderChange?.(o);
  };
  const name = `Sub-key scores${label ? `, ${label}` : ''}`;

  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const p = Math.floor(((e.clientX - box.left - M.left) / innerW) * n);
    setCursor(p >= 0 && p < n ? keyAt(p) : null);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const next = moveCursor(e, cursor === null ? null : { row: 0, col: posOf(cursor) }, 1, n);
    if (next) {
      e.preventDefault();
      setCursor(keyAt(next.col));
    }
  };

  let readout = 'Hover or use the arrow keys to read a sub-key.';
  if (cursor !== null && !problem) {
    readout = `Sub-key ${cursor} · score ${formatValue(scores[cursor])} · rank ${rankOf[cursor] + 1} of ${n}${
      isSelected[cursor] ? ` · selected (top-${k})` : ''
    }`;
  }
  const bw = Math.max(0.6, x.bandwidth());

  return (
    <figure ref={ref} className="pkm-figure subkey-scores" aria-label={name}>
      {problem ? (
        <EmptyState {...problem} />
      ) : (
        <>
          <div className="pkm-toolbar">
            <Segmented label="Order" options={ORDERS} value={order} onChange={setOrder} />
            <span className="pkm-legend">
              <span>
                <span className="pkm-legend__swatch subkey-scores__swatch--selected" />
                top-{k} (selected)
              </span>
              <span>
                <span className="pkm-legend__swatch subkey-scores__swatch--cutoff" />
                cut-off
              </span>
            </span>
          </div>
          <PlotFocus label="Sub-key scores: arrow keys move between sub-keys" onKeyDown={onKeyDown}>
            <svg
              width={width}
              height={height}
              role="img"
              aria-label={`${name}: ${n} sub-keys in ${order === 'sorted' ? 'score' : 'key'} order, top ${k} highlighted${
                cutoff !== null ? `, cut-off ${formatValue(cutoff)}` : ''
              }`}
              onPointerMove={onPointerMove}
              onPointerLeave={() => setCursor(null)}
            >
              <g transform={`translate(${M.left},${M.top})`}>
                <Axis
                  scale={y}
                  orient="left"
                  ticks={Math.max(2, Math.floor(innerH / 36))}
                  gridSize={innerW}
                />
                <g className="subkey-scores__bars">
                  {x.domain().map((p) => {
                    const key = keyAt(p);
                    const v = scores[key];
                    return (
                      <rect
                        key={p}
                        data-key={key}
                        className={isSelected[key] ? 'subkey-bar subkey-bar--selected' : 'subkey-bar'}
                        x={x(p)}
                        width={bw}
                        y={Math.min(y(v), y(0))}
                        height={Math.max(0.5, Math.abs(y(v) - y(0)))}
                      />
                    );
                  })}
                </g>
                <line className="subkey-scores__zero" x1={0} x2={innerW} y1={y(0)} y2={y(0)} />
                {cutoff !== null ? (
                  <g className="subkey-cutoff" data-value={cutoff}>
                    <line x1={0} x2={innerW} y1={y(cutoff)} y2={y(cutoff)} />
                    {order === 'sorted' && k < n ? (
                      <line x1={x(k)! - x.step() * 0.075} x2={x(k)! - x.step() * 0.075} y1={0} y2={innerH} />
                    ) : null}
                    <text x={innerW} y={y(cutoff) - 4} textAnchor="end">
                      cut-off {formatValue(cutoff)}
                    </text>
                  </g>
                ) : null}
                {cursor !== null ? (
                  <rect
                    className="subkey-scores__cursor"
                    x={x(posOf(cursor))! - 1}
                    width={bw + 2}
                    y={0}
                    height={innerH}
                  />
                ) : null}
                <Axis
                  scale={x}
                  orient="bottom"
                  y={innerH}
                  tickValues={tickValues}
                  tickFormat={(p) => String(order === 'sorted' ? p + 1 : p)}
                />
                <text className="pkm-axis-title" x={innerW / 2} y={innerH + 30} textAnchor="middle">
                  {order === 'sorted' ? 'rank (best first)' : 'sub-key index'}
                </text>
                <text
                  className="pkm-axis-title"
                  transform={`translate(${-36},${innerH / 2}) rotate(-90)`}
                  textAnchor="middle"
                >
                  score
                </text>
              </g>
            </svg>
          </PlotFocus>
          <output className="pkm-readout" aria-live="polite">
            {readout}
          </output>
        </>
      )}
    </figure>
  );
}
