import { extent, lab, scaleBand, scaleLinear } from 'd3';
import { type KeyboardEvent, type PointerEvent, useMemo, useState } from 'react';
import { ColorLegend } from './chart/ColorLegend';
import { moveCursor } from './chart/cursor';
import { EmptyState } from './chart/EmptyState';
import { countNonFinite, formatValue } from './chart/format';
import { PlotFocus } from './chart/PlotFocus';
import { sequential } from './chart/palette';
import { useElementWidth } from './chart/useElementWidth';
import './chart/chart.css';
import './CandidateGrid.css';

export interface CandidateGridProps {
  /** a_i: the top-k scores of half 1, best first (HeadTrace.subTop[0].scores). */
  rowScores: ArrayLike<number>;
  /** b_j: the top-k scores of half 2 (HeadTrace.subTop[1].scores). */
  colScores: ArrayLike<number>;
  /** The sub-key indices behind a_i and b_j (HeadTrace.subTop[h].indices). */
  rowKeys: ArrayLike<number>;
  colKeys: ArrayLike<number>;
  /** The final top-k as ranks into the grid, best first (HeadTrace.candidateRank). */
  selected: { row: ArrayLike<number>; col: ArrayLike<number> };
  /** Softmax weights of the final top-k, same order (HeadTrace.weights). */
  weights: ArrayLike<number>;
  /** The k×k sums a_i + b_j, row-major (HeadTrace.candidates); computed when absent. */
  candidates?: ArrayLike<number>;
  /** For slot ids (row key · n_keys + column key) in the readout. */
  n_keys?: number;
  /** Detail for the accessible name, e.g. "head 1". */
  label?: string;
}

const M = { top: 58, right: 8, bottom: 8, left: 86 };

function validate(p: CandidateGridProps): { kind: 'empty' | 'invalid'; message: string } | null {
  const k = p.rowScores.length;
  if (k === 0) return { kind: 'empty', message: 'No candidates to show.' };
  if (p.colScores.length !== k || p.rowKeys.length !== k || p.colKeys.length !== k) {
    return { kind: 'invalid', message: `Both halves need k = ${k} scores and sub-key indices.` };
  }
  if (p.candidates && p.candidates.length !== k * k) {
    return {
      kind: 'invalid',
      message: `candidates must hold k² = ${k * k} sums (got ${p.candidates.length}).`,
    };
  }
  const m = p.weights.length;
  if (p.selected.row.length !== m || p.selected.col.length !== m) {
    return { kind: 'invalid', message: 'selected rows, columns and weights differ in length.' };
  }
  for (let i = 0; i < m; i++) {
    const r = p.selected.row[i];
    const c = p.selected.col[i];
    if (!(r >= 0 && r < k && c >= 0 && c < k)) {
      return { kind: 'invalid', message: `Selected candidate (${r}, ${c}) is outside the ${k}×${k} grid.` };
    }
  }
  const bad = countNonFinite(p.rowScores) + countNonFinite(p.colScores) + countNonFinite(p.weights);
  if (bad > 0) return { kind: 'invalid', message: `${bad} scores or weights are not finite (NaN or ∞).` };
  return null;
}

/** The k×k candidate sums a_i + b_j of one head, the final top-k outlined with their softmax weights. */
export function CandidateGrid(props: CandidateGridProps) {
  const { rowScores, colScores, rowKeys, colKeys, selected, weights, n_keys, label } = props;
  const [ref, width] = useElementWidth<HTMLElement>();
  const [cursor, setCursor] = useState<{ row: number; col: number } | null>(null);
  const problem = validate(props);
  const k = problem ? 0 : rowScores.length;

  const sums = useMemo(() => {
    if (props.candidates) return Float64Array.from(props.candidates);
    const out = new Float64Array(k * k);
    for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) out[r * k + c] = rowScores[r] + colScores[c];
    return out;
  }, [props.candidates, rowScores, colScores, k]);
  // Rank in the final top-k of each cell (−1 when not selected).
  const finalRank = useMemo(() => {
    const out = new Int32Array(k * k).fill(-1);
    for (let m = 0; m < weights.length && k > 0; m++) out[selected.row[m] * k + selected.col[m]] = m;
    return out;
  }, [selected, weights, k]);

  const cellIds = useMemo(() => Array.from({ length: k * k }, (_, i) => i), [k]);
  const rankIds = Array.from({ length: problem ? 0 : weights.length }, (_, m) => m);

  const size = Math.max(80, Math.min(width - M.left - M.right, 520, k * 64));
  const band = scaleBand<number>()
    .domain(Array.from({ length: k }, (_, i) => i))
    .range([0, size])
    .paddingInner(size / Math.max(1, k) >= 10 ? 0.06 : 0);
  const cell = band.bandwidth();
  const [lo = 0, hi = 1] = extent(sums);
  const t = scaleLinear()
    .domain([lo, hi > lo ? hi : lo + 1])
    .range([0, 1]);
  const colorOf = (v: number) => sequential(t(v));
  const showLabels = band.step() >= 14;
  const showScores = band.step() >= 38;
  const showWeights = cell >= 30;
  const name = `Candidate grid${label ? `, ${label}` : ''}`;

  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const col = Math.floor(((e.clientX - box.left - M.left) / size) * k);
    const row = Math.floor(((e.clientY - box.top - M.top) / size) * k);
    setCursor(row >= 0 && row < k && col >= 0 && col < k ? { row, col } : null);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const next = moveCursor(e, cursor, k, k);
    if (next) {
      e.preventDefault();
      setCursor(next);
    }
  };

  let readout = 'Hover or use the arrow keys to read a candidate.';
  if (cursor && !problem) {
    const { row, col } = cursor;
    const rank = finalRank[row * k + col];
    const slot = n_keys ? ` · slot ${rowKeys[row] * n_keys + colKeys[col]}` : '';
    readout = `a${row + 1} (sub-key ${rowKeys[row]}) ${formatValue(rowScores[row])} + b${col + 1} (sub-key ${colKeys[col]}) ${formatValue(
      colScores[col],
    )} = ${formatValue(sums[row * k + col])}${slot} · ${
      rank >= 0
        ? `top-${weights.length} rank ${rank + 1}, weight ${formatValue(weights[rank])}`
        : 'not selected'
    }`;
  }

  return (
    <figure ref={ref} className="pkm-figure candidate-grid" aria-label={name}>
      {problem ? (
        <EmptyState {...problem} />
      ) : (
        <>
          <div className="pkm-toolbar candidate-grid__legend">
            <ColorLegend
              scale={scaleLinear().domain(t.domain())}
              width={Math.min(220, width - 200)}
              title="a_i + b_j"
              tickFormat={formatValue}
            />
            <span className="pkm-legend">
              <span>
                <span className="pkm-legend__swatch candidate-grid__swatch" />
                final top-{weights.length}, number = softmax weight
              </span>
            </span>
          </div>
          <PlotFocus label="Candidates: arrow keys move between cells" onKeyDown={onKeyDown}>
            <svg
              width={Math.min(width, M.left + size + M.right)}
              height={M.top + size + M.bottom}
              role="img"
              aria-label={`${name}: ${k}×${k} candidates a_i + b_j, final top ${weights.length} marked with their weights`}
              onPointerMove={onPointerMove}
              onPointerLeave={() => setCursor(null)}
            >
              <text className="pkm-axis-title" x={M.left + size / 2} y={12} textAnchor="middle">
                half 2: b_j (sub-key{showScores ? ', score' : ''})
              </text>
              <text className="pkm-axis-title" x={0} y={M.top - 18}>
                half 1: a_i
              </text>
              <text className="pkm-axis-title" x={0} y={M.top - 6}>
                (sub-key{showScores ? ', score' : ''})
              </text>
              <g transform={`translate(${M.left},${M.top})`}>
                {showLabels
                  ? band.domain().map((i) => (
                      <g key={i} className="candidate-grid__labels">
                        <text x={-6} y={band(i)! + cell / 2} dy="0.32em" textAnchor="end">
                          {`#${rowKeys[i]}`}
                          {showScores ? ` ${formatValue(rowScores[i])}` : ''}
                        </text>
                        {band.step() >= 34 ? (
                          <text x={band(i)! + cell / 2} y={showScores ? -20 : -6} textAnchor="middle">
                            {`#${colKeys[i]}`}
                          </text>
                        ) : (
                          // Narrow columns: the sub-key labels stand vertically.
                          <text transform={`translate(${band(i)! + cell / 2},-5) rotate(-90)`} dy="0.32em">
                            {`#${colKeys[i]}`}
                          </text>
                        )}
                        {showScores ? (
                          <text
                            x={band(i)! + cell / 2}
                            y={-6}
                            textAnchor="middle"
                            className="candidate-grid__score"
                          >
                            {formatValue(colScores[i])}
                          </text>
                        ) : null}
                      </g>
                    ))
                  : null}
                {cellIds.map((idx) => {
                  const r = Math.floor(idx / k);
                  const c = idx % k;
                  const v = sums[idx];
                  return (
                    <rect
                      key={idx}
                      className="candidate-cell"
                      data-row={r}
                      data-col={c}
                      x={band(c)}
                      y={band(r)}
                      width={cell}
                      height={cell}
                      fill={colorOf(v)}
                    />
                  );
                })}
                {rankIds.map((m) => {
                  const w = weights[m];
                  const r = selected.row[m];
                  const c = selected.col[m];
                  const fill = colorOf(sums[r * k + c]);
                  const dark = lab(fill).l < 60;
                  return (
                    <g key={m} className="candidate-selected" data-row={r} data-col={c} data-rank={m}>
                      <rect
                        x={band(c)! + 1}
                        y={band(r)! + 1}
                        width={Math.max(1, cell - 2)}
                        height={Math.max(1, cell - 2)}
                      />
                      {showWeights ? (
                        <text
                          x={band(c)! + cell / 2}
                          y={band(r)! + cell / 2}
                          dy="0.32em"
                          textAnchor="middle"
                          className={
                            dark ? 'candidate-selected__weight--light' : 'candidate-selected__weight--dark'
                          }
                        >
                          {formatValue(w).replace(/^0\./, '.')}
                        </text>
                      ) : null}
                    </g>
                  );
                })}
                {cursor ? (
                  <rect
                    className="candidate-grid__cursor"
                    x={band(cursor.col)! - 1.5}
                    y={band(cursor.row)! - 1.5}
                    width={cell + 3}
                    height={cell + 3}
                  />
                ) : null}
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
