import { scaleBand } from 'd3';
import { type KeyboardEvent, type PointerEvent, useMemo, useState } from 'react';
import { moveCursor } from './chart/cursor';
import { EmptyState } from './chart/EmptyState';
import { countNonFinite, formatValue } from './chart/format';
import { PlotFocus } from './chart/PlotFocus';
import { categoryColor } from './chart/palette';
import { useElementWidth } from './chart/useElementWidth';
import './chart/chart.css';
import './QueryHalves.css';

export interface QueryHalvesHead {
  /** The head's query before normalisation, [k_dim]. */
  query: ArrayLike<number>;
  /** After normalisation, [k_dim]; its halves are what the two sub-key sets are scored against. */
  queryNormed: ArrayLike<number>;
}

export interface QueryHalvesProps {
  /** One entry per head (a HeadTrace fits). */
  heads: QueryHalvesHead[];
  /** The normalisation's name for the row label, e.g. "batchnorm". */
  normLabel?: string;
  /** The token whose query this is, for the accessible name. */
  token?: string;
}

const LABEL_W = 112;
const ROW_H = 40;
const ROW_GAP = 6;
const TITLE_H = 18;
const HEAD_GAP = 12;
const HALF_GAP = 14;

function validate(heads: QueryHalvesHead[]): { kind: 'empty' | 'invalid'; message: string } | null {
  if (heads.length === 0) return { kind: 'empty', message: 'No query to show: pick a token to trace.' };
  const k = heads[0].query.length;
  if (k === 0) return { kind: 'empty', message: 'The query is empty.' };
  for (const [h, head] of heads.entries()) {
    if (head.query.length !== k || head.queryNormed.length !== k) {
      return {
        kind: 'invalid',
        message: `Head ${h + 1}: query sizes differ (${head.query.length}, ${head.queryNormed.length}, expected ${k}).`,
      };
    }
    const bad = countNonFinite(head.query) + countNonFinite(head.queryNormed);
    if (bad > 0)
      return {
        kind: 'invalid',
        message: `Head ${h + 1}: the query has ${bad} non-finite values (NaN or ∞).`,
      };
  }
  if (k % 2 !== 0)
    return { kind: 'invalid', message: `k_dim must be even to split the query in halves (got ${k}).` };
  return null;
}

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m || 1;
}

/** The query of one token per head, split into its two halves, before and after normalisation. */
export function QueryHalves({ heads, normLabel = 'normalised', token }: QueryHalvesProps) {
  const [ref, width] = useElementWidth<HTMLElement>();
  const [cursor, setCursor] = useState<{ row: number; col: number } | null>(null);
  const problem = validate(heads);
  const kDim = problem ? 0 : heads[0].query.length;
  const half = kDim / 2;
  // Bars stay narrow for small k_dim instead of stretching across a wide window.
  const plotW = Math.max(120, Math.min(width - LABEL_W - 8, kDim * 28 + HALF_GAP));
  const halfW = (plotW - HALF_GAP) / 2;
  const band = useMemo(
    () =>
      scaleBand<number>()
        .domain(Array.from({ length: half }, (_, i) => i))
        .range([0, halfW])
        .paddingInner(half > 64 ? 0 : 0.15),
    [half, halfW],
  );
  const headH = TITLE_H + 2 * ROW_H + ROW_GAP;
  const height = heads.length * headH + Math.max(0, heads.length - 1) * HEAD_GAP;
  const xOf = (d: number) => LABEL_W + (d < half ? band(d)! : halfW + HALF_GAP + band(d - half)!);
  const headTop = (h: number) => h * (headH + HEAD_GAP);
  const name = `Query halves${token !== undefined ? ` of token “${token}”` : ''}`;

  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - box.left - LABEL_W;
    const y = e.clientY - box.top;
    const h = Math.min(heads.length - 1, Math.max(0, Math.floor(y / (headH + HEAD_GAP))));
    const inHalf2 = x > halfW + HALF_GAP / 2;
    const local = inHalf2 ? x - halfW - HALF_GAP : x;
    const d = Math.floor((local / halfW) * half);
    if (x < 0 || d < 0 || d >= half) return setCursor(null);
    setCursor({ row: h, col: d + (inHalf2 ? half : 0) });
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const next = moveCursor(e, cursor, heads.length, kDim);
    if (next) {
      e.preventDefault();
      setCursor(next);
    }
  };

  let readout = 'Hover or use the arrow keys to read a value.';
  if (cursor && !problem) {
    const h = heads[cursor.row];
    const d = cursor.col;
    const which = d < half ? `q₁[${d}]` : `q₂[${d - half}]`;
    readout = `Head ${cursor.row + 1} · ${which} (dim ${d}) · raw ${formatValue(h.query[d])} · ${normLabel} ${formatValue(h.queryNormed[d])}`;
  }

  return (
    <figure ref={ref} className="pkm-figure query-halves" aria-label={name}>
      {problem ? (
        <EmptyState {...problem} />
      ) : (
        <>
          <div className="pkm-legend">
            <span>
              <span className="pkm-legend__swatch" style={{ background: categoryColor(0) }} />
              q₁, first half → rows (sub-keys of half 1)
            </span>
            <span>
              <span className="pkm-legend__swatch" style={{ background: categoryColor(1) }} />
              q₂, second half → columns (sub-keys of half 2)
            </span>
          </div>
          <PlotFocus label="Query values: arrow keys move between heads and dims" onKeyDown={onKeyDown}>
            <svg
              width={width}
              height={height}
              role="img"
              aria-label={`${name}: ${heads.length} head${heads.length > 1 ? 's' : ''}, ${kDim} dims, raw and ${normLabel}`}
              onPointerMove={onPointerMove}
              onPointerLeave={() => setCursor(null)}
            >
              {heads.map((head, h) => {
                const top = headTop(h);
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: heads are positional
                  <g key={h} className="query-halves__head" transform={`translate(0,${top})`}>
                    <text x={0} y={12} className="query-halves__title">
                      Head {h + 1}
                    </text>
                    <text x={LABEL_W} y={12} className="query-halves__half">
                      q₁ · dims 0–{half - 1}
                    </text>
                    <text x={LABEL_W + halfW + HALF_GAP} y={12} className="query-halves__half">
                      q₂ · dims {half}–{kDim - 1}
                    </text>
                    {[head.query, head.queryNormed].map((values, r) => {
                      const rowTop = TITLE_H + r * (ROW_H + ROW_GAP);
                      const mid = rowTop + ROW_H / 2;
                      const m = maxAbs(values);
                      const scale = (ROW_H / 2 - 2) / m;
                      return (
                        <g
                          key={r === 0 ? 'raw' : 'normed'}
                          className={`query-halves__row query-halves__row--${r === 0 ? 'raw' : 'normed'}`}
                        >
                          <text x={0} y={mid - 2} className="query-halves__label">
                            {r === 0 ? 'raw' : normLabel}
                          </text>
                          <text x={0} y={mid + 11} className="query-halves__scale">
                            ±{formatValue(m)}
                          </text>
                          <line
                            x1={LABEL_W}
                            x2={LABEL_W + plotW}
                            y1={mid}
                            y2={mid}
                            className="query-halves__zero"
                          />
                          {Array.from(values, (v, d) => {
                            const y = v >= 0 ? mid - v * scale : mid;
                            return (
                              <rect
                                // biome-ignore lint/suspicious/noArrayIndexKey: dims are positional
                                key={d}
                                className={`query-halves__bar query-halves__bar--half${d < half ? 1 : 2}`}
                                x={xOf(d)}
                                y={y}
                                width={Math.max(0.5, band.bandwidth())}
                                height={Math.max(0.5, Math.abs(v) * scale)}
                                style={{ fill: categoryColor(d < half ? 0 : 1) }}
                              />
                            );
                          })}
                        </g>
                      );
                    })}
                    {cursor?.row === h ? (
                      <rect
                        className="query-halves__cursor"
                        x={xOf(cursor.col) - 1}
                        y={TITLE_H - 2}
                        width={Math.max(2, band.bandwidth()) + 2}
                        height={2 * ROW_H + ROW_GAP + 4}
                      />
                    ) : null}
                  </g>
                );
              })}
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
