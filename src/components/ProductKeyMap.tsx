import { scaleBand } from 'd3';
import { type KeyboardEvent, type PointerEvent, useMemo, useState } from 'react';
import { Axis } from './chart/Axis';
import { EmptyState } from './chart/EmptyState';
import { countNonFinite, formatInt, formatValue } from './chart/format';
import { PlotFocus } from './chart/PlotFocus';
import { categoryColor } from './chart/palette';
import { indexTicks } from './chart/ticks';
import { useElementWidth } from './chart/useElementWidth';
import './chart/chart.css';
import './ProductKeyMap.css';

export interface ProductKeyMapHead {
  /** Row (half-1 sub-key) and column (half-2 sub-key) of each selected slot, best first. */
  rows: ArrayLike<number>;
  cols: ArrayLike<number>;
  weights: ArrayLike<number>;
  /** The top-k sub-keys of each half: the candidate rows and columns, shown as bands. */
  rowKeys?: ArrayLike<number>;
  colKeys?: ArrayLike<number>;
}

export interface ProductKeyMapProps {
  n_keys: number;
  heads: ProductKeyMapHead[];
  /** Called with a slot id (row·n_keys + col) when a selected slot is clicked or Enter is pressed on it. */
  onSelectSlot?: (slot: number) => void;
  /** Detail for the accessible name, e.g. the token. */
  label?: string;
}

const M = { top: 38, right: 10, bottom: 8, left: 52 };

function validate(
  n: number,
  heads: ProductKeyMapHead[],
): { kind: 'empty' | 'invalid'; message: string } | null {
  if (!(Number.isInteger(n) && n > 0))
    return { kind: 'invalid', message: `n_keys must be a positive integer (got ${n}).` };
  if (heads.length === 0 || heads.every((h) => h.rows.length === 0)) {
    return { kind: 'empty', message: 'No selected slots to show: pick a token to trace.' };
  }
  for (const [h, head] of heads.entries()) {
    if (head.cols.length !== head.rows.length || head.weights.length !== head.rows.length) {
      return { kind: 'invalid', message: `Head ${h + 1}: rows, columns and weights differ in length.` };
    }
    const ids = [
      ...Array.from(head.rows),
      ...Array.from(head.cols),
      ...Array.from(head.rowKeys ?? []),
      ...Array.from(head.colKeys ?? []),
    ];
    const out = ids.find((v) => !(Number.isInteger(v) && v >= 0 && v < n));
    if (out !== undefined)
      return { kind: 'invalid', message: `Head ${h + 1}: sub-key ${out} is outside 0–${n - 1}.` };
    if (countNonFinite(head.weights) > 0)
      return { kind: 'invalid', message: `Head ${h + 1}: weights are not finite.` };
  }
  return null;
}

interface Marker {
  head: number;
  rank: number;
  row: number;
  col: number;
  weight: number;
}

/** The n_keys × n_keys slot grid: each head's selected slots at (i, j), its sub-key selections as bands. */
export function ProductKeyMap({ n_keys, heads, onSelectSlot, label }: ProductKeyMapProps) {
  const [ref, width] = useElementWidth<HTMLElement>();
  const [hidden, setHidden] = useState<ReadonlySet<number>>(new Set());
  const [active, setActive] = useState<number | null>(null);
  const [hoverCell, setHoverCell] = useState<{ row: number; col: number } | null>(null);
  const problem = validate(n_keys, heads);
  const n = problem ? 1 : n_keys;

  const markers = useMemo(() => {
    const out: Marker[] = [];
    if (problem) return out;
    heads.forEach((h, head) => {
      for (let rank = 0; rank < h.rows.length; rank++) {
        out.push({ head, rank, row: h.rows[rank], col: h.cols[rank], weight: h.weights[rank] });
      }
    });
    return out;
  }, [heads, problem]);
  const visible = markers.filter((m) => !hidden.has(m.head));
  const wMax = Math.max(1e-12, ...visible.map((m) => m.weight));

  const size = Math.max(120, Math.min(width - M.left - M.right, 560));
  const cell = size / n;
  const band = scaleBand<number>()
    .domain(Array.from({ length: n }, (_, i) => i))
    .range([0, size]);
  const ticks = indexTicks(n, size, 48);
  const rMax = Math.max(3.5, Math.min(cell * 0.45, 9));
  const radius = (w: number) => 2.5 + (rMax - 2.5) * Math.sqrt(Math.max(0, w) / wMax);
  const centre = (i: number) => (i + 0.5) * cell;
  const bandW = Math.max(cell, 1.5);
  const focus = active !== null ? visible[active] : null;
  const cur = focus ? { row: focus.row, col: focus.col } : hoverCell;
  const name = `Product-key map${label ? `, ${label}` : ''}`;

  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const col = Math.floor((e.clientX - box.left - M.left) / cell);
    const row = Math.floor((e.clientY - box.top - M.top) / cell);
    setActive(null);
    setHoverCell(row >= 0 && row < n && col >= 0 && col < n ? { row, col } : null);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (visible.length === 0) return;
    const last = visible.length - 1;
    let next: number | null = null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown')
      next = active === null ? 0 : Math.min(last, active + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp')
      next = active === null ? 0 : Math.max(0, active - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = last;
    else if (e.key === 'Enter' && focus) {
      onSelectSlot?.(focus.row * n + focus.col);
      e.preventDefault();
      return;
    }
    if (next !== null) {
      e.preventDefault();
      setHoverCell(null);
      setActive(next);
    }
  };
  const onClick = () => {
    // A click inspects the hovered slot when some visible head selected it.
    if (hoverCell && visible.some((m) => m.row === hoverCell.row && m.col === hoverCell.col)) {
      onSelectSlot?.(hoverCell.row * n + hoverCell.col);
    }
  };
  const toggleHead = (h: number) =>
    setHidden((prev) => {
      const s = new Set(prev);
      if (s.has(h)) s.delete(h);
      else s.add(h);
      return s;
    });

  let readout =
    'Hover a cell, or use the arrow keys to step through the selected slots (Enter inspects one).';
  if (cur && !problem) {
    const slot = cur.row * n + cur.col;
    const here = visible.filter((m) => m.row === cur.row && m.col === cur.col);
    const picks = here
      .map((m) => `head ${m.head + 1} rank ${m.rank + 1} weight ${formatValue(m.weight)}`)
      .join('; ');
    readout = `Slot ${formatInt(slot)} = (${cur.row}, ${cur.col})${picks ? ` · ${picks}` : ' · not selected'}`;
  }

  return (
    <figure ref={ref} className="pkm-figure product-key-map" aria-label={name}>
      {problem ? (
        <EmptyState {...problem} />
      ) : (
        <>
          <div className="pkm-toolbar">
            {heads.map((h, i) => (
              <button
                // biome-ignore lint/suspicious/noArrayIndexKey: heads are positional
                key={i}
                type="button"
                className="product-key-map__head-toggle"
                aria-pressed={!hidden.has(i)}
                onClick={() => toggleHead(i)}
              >
                <span className="pkm-legend__swatch" style={{ background: categoryColor(i) }} />
                Head {i + 1} · {h.rows.length} slots
              </button>
            ))}
            <span className="pkm-legend">
              rows: half-1 sub-keys · columns: half-2 sub-keys · bands: each half's top-k
            </span>
          </div>
          <PlotFocus
            label="Selected slots: arrow keys step through them, Enter inspects"
            onKeyDown={onKeyDown}
            onClick={onClick}
          >
            <svg
              width={M.left + size + M.right}
              height={M.top + size + M.bottom}
              role="img"
              aria-label={`${name}: ${n}×${n} slots, ${visible.length} selected by ${heads.length - hidden.size} head${
                heads.length - hidden.size === 1 ? '' : 's'
              }`}
              onPointerMove={onPointerMove}
              onPointerLeave={() => setHoverCell(null)}
            >
              <g transform={`translate(${M.left},${M.top})`}>
                <rect className="product-key-map__grid" width={size} height={size} />
                {/* Axes stand off the grid so the rug of selected sub-keys fits between them. */}
                <Axis scale={band} orient="left" x={-9} tickValues={ticks} />
                <Axis scale={band} orient="top" y={-9} tickValues={ticks} />
                {heads.map((h, i) =>
                  hidden.has(i) ? null : (
                    // biome-ignore lint/suspicious/noArrayIndexKey: heads are positional
                    <g key={i} className="product-key-map__bands" style={{ fill: categoryColor(i) }}>
                      {Array.from(h.rowKeys ?? [], (r) => (
                        <rect
                          key={`r${r}`}
                          className="pkm-map-row"
                          data-row={r}
                          x={0}
                          y={r * cell}
                          width={size}
                          height={bandW}
                        />
                      ))}
                      {Array.from(h.colKeys ?? [], (c) => (
                        <rect
                          key={`c${c}`}
                          className="pkm-map-col"
                          data-col={c}
                          x={c * cell}
                          y={0}
                          width={bandW}
                          height={size}
                        />
                      ))}
                      {Array.from(h.rowKeys ?? [], (r) => (
                        <rect
                          key={`rr${r}`}
                          className="product-key-map__rug"
                          x={-7}
                          y={r * cell}
                          width={5}
                          height={bandW}
                        />
                      ))}
                      {Array.from(h.colKeys ?? [], (c) => (
                        <rect
                          key={`cr${c}`}
                          className="product-key-map__rug"
                          x={c * cell}
                          y={-7}
                          width={bandW}
                          height={5}
                        />
                      ))}
                    </g>
                  ),
                )}
                {cur ? (
                  <g className="product-key-map__crosshair">
                    <rect x={0} y={cur.row * cell} width={size} height={bandW} />
                    <rect x={cur.col * cell} y={0} width={bandW} height={size} />
                  </g>
                ) : null}
                {visible.map((m, idx) => (
                  <circle
                    key={`${m.head}:${m.rank}`}
                    className={idx === active ? 'pkm-map-slot pkm-map-slot--active' : 'pkm-map-slot'}
                    data-head={m.head}
                    data-slot={m.row * n + m.col}
                    cx={centre(m.col)}
                    cy={centre(m.row)}
                    r={radius(m.weight)}
                    style={{ fill: categoryColor(m.head) }}
                  />
                ))}
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
