import { lab, scaleLinear, scaleLog } from 'd3';
import {
  type KeyboardEvent,
  type PointerEvent,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { ColorLegend } from './chart/ColorLegend';
import { EmptyState } from './chart/EmptyState';
import { formatInt, formatPercent, formatValue } from './chart/format';
import { PlotFocus } from './chart/PlotFocus';
import { colourLut, packCssColor, sequential } from './chart/palette';
import { Segmented } from './chart/Segmented';
import { useElementWidth } from './chart/useElementWidth';
import { cssVar, useThemeVersion } from './chart/useThemeVersion';
import { type HeatScale, heatStats, paintHeatmap } from './heatmap/paintHeatmap';
import { cellAt, clampView, type HeatView, IDENTITY_VIEW, revealCell, zoomAt } from './heatmap/view';
import './chart/chart.css';
import './UsageHeatmap.css';

export interface UsageSeries {
  /** e.g. "Head 1", "Layer 3", "All heads". */
  label: string;
  /** Times each slot was selected, [n_keys²] row-major (slot = i·n_keys + j). Drives the colour. */
  counts: ArrayLike<number>;
  /** Softmax weight each slot received, [n_keys²]; the readout's weight share (counts when absent). */
  weights?: ArrayLike<number>;
}

export interface UsageHeatmapProps {
  n_keys: number;
  /** One or more series; with several, the figure offers a selector. */
  series: UsageSeries[];
  /** Controlled series index; leave undefined to let the selector manage it. */
  selected?: number;
  onSelectedChange?: (index: number) => void;
  /** Controlled colour scale; leave undefined to let the toggle manage it from `defaultScale`. */
  scale?: HeatScale;
  defaultScale?: HeatScale;
  onScaleChange?: (scale: HeatScale) => void;
  /** Called with a slot id when a cell is clicked or Enter is pressed on the cursor. */
  onSelectSlot?: (slot: number) => void;
  /** Largest drawn size in CSS pixels (the figure is square and shrinks to its container). */
  maxSize?: number;
  /** What the counts are over, said after "used", e.g. "in training" (another figure may count another set). */
  usedOver?: string;
}

const SCALES = [
  { value: 'linear', label: 'Linear' },
  { value: 'log', label: 'Log' },
] as const;
const MIN_CELL_ZOOMED = 36;
const DEAD_SWATCH = [{ label: 'dead (0)', color: 'var(--heat-dead)' }];

/**
 * Where the sequential scale starts: on a dark dead colour (dark theme) viridis' darkest quarter
 * would be hard to tell from it, so the scale starts at 0.25; on a light one it starts at 0.
 */
function scaleStart(deadCss: string): number {
  const l = lab(deadCss).l;
  return Number.isFinite(l) && l < 50 ? 0.25 : 0;
}
const luts = new Map<number, Uint32Array>();
function lutFrom(start: number): Uint32Array {
  let l = luts.get(start);
  if (!l) {
    l = colourLut((t) => sequential(start + t * (1 - start)));
    luts.set(start, l);
  }
  return l;
}

function validate(n: number, series: UsageSeries[]): { kind: 'empty' | 'invalid'; message: string } | null {
  if (!(Number.isInteger(n) && n > 0 && n <= 4096)) {
    return { kind: 'invalid', message: `n_keys must be an integer from 1 to 4096 (got ${n}).` };
  }
  if (series.length === 0) return { kind: 'empty', message: 'No usage recorded yet.' };
  for (const s of series) {
    if (s.counts.length !== n * n) {
      return {
        kind: 'invalid',
        message: `${s.label}: ${s.counts.length} values, expected n_keys² = ${n * n}.`,
      };
    }
    if (s.weights && s.weights.length !== n * n) {
      return { kind: 'invalid', message: `${s.label}: ${s.weights.length} weights, expected ${n * n}.` };
    }
  }
  return null;
}

/**
 * Per-slot usage on the n_keys × n_keys grid, drawn on a canvas from a colour lookup table. New
 * props repaint the canvas only; hover, zoom and pan redraw the painted image without repainting.
 */
export function UsageHeatmap(props: UsageHeatmapProps) {
  const { n_keys: n, series, maxSize = 560, onSelectSlot } = props;
  const [ref, width] = useElementWidth<HTMLElement>();
  const [ownSelected, setOwnSelected] = useState(0);
  const [ownScale, setOwnScale] = useState<HeatScale>(props.defaultScale ?? 'linear');
  const [view, setView] = useState<HeatView>(IDENTITY_VIEW);
  const [cursor, setCursor] = useState<{ row: number; col: number } | null>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const imageRef = useRef<{ canvas: HTMLCanvasElement; data: ImageData; n: number } | null>(null);
  const dragRef = useRef<{ x: number; y: number; view: HeatView; moved: boolean } | null>(null);
  const theme = useThemeVersion();
  const [lutStart, setLutStart] = useState(0);

  const problem = validate(n, series);
  const index = Math.min(Math.max(0, props.selected ?? ownSelected), Math.max(0, series.length - 1));
  const current = problem ? null : series[index];
  const scale = props.scale ?? ownScale;
  // A whole number of pixels per cell when the grid fits, so nearest-neighbour scaling is even.
  const avail = Math.max(120, Math.min(width - 2, maxSize));
  const size = avail >= n ? Math.floor(avail / n) * n : avail;
  const maxK = Math.max(8, (MIN_CELL_ZOOMED * n) / size);
  const stats = useMemo(() => (current ? heatStats(current.counts) : null), [current]);
  const weightTotal = useMemo(
    () => (current?.weights ? heatStats(current.weights).total : (stats?.total ?? 0)),
    [current, stats],
  );
  const nonFinite = stats?.nonFinite ?? 0;
  const drawable = current !== null && nonFinite === 0;

  // Paint the n×n image when the data, the scale or the theme change (never on hover or zoom).
  // biome-ignore lint/correctness/useExhaustiveDependencies: the theme changes the CSS colours read inside
  useLayoutEffect(() => {
    if (!drawable || !stats || !canvasRef.current) return;
    let img = imageRef.current;
    if (!img || img.n !== n) {
      const canvas = document.createElement('canvas');
      canvas.width = n;
      canvas.height = n;
      img = { canvas, data: new ImageData(n, n), n };
      imageRef.current = img;
    }
    const deadCss = cssVar(canvasRef.current, '--heat-dead', '#ffffff');
    const start = scaleStart(deadCss);
    setLutStart(start);
    paintHeatmap(current.counts, new Uint32Array(img.data.data.buffer), lutFrom(start), {
      scale,
      max: stats.max,
      minPositive: stats.minPositive,
      dead: packCssColor(deadCss),
    });
    img.canvas.getContext('2d')!.putImageData(img.data, 0, 0);
  }, [current, stats, scale, n, drawable, theme]);

  // Draw the painted image at the current size, zoom and pan, plus the cursor.
  const draw = useCallback(() => {
    const canvas = canvasRef.current;
    const img = imageRef.current;
    if (!canvas || !img) return;
    const dpr = window.devicePixelRatio || 1;
    const px = Math.round(size * dpr);
    if (canvas.width !== px || canvas.height !== px) {
      canvas.width = px;
      canvas.height = px;
    }
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, px, px);
    ctx.imageSmoothingEnabled = false;
    ctx.setTransform(dpr * view.k, 0, 0, dpr * view.k, dpr * view.x, dpr * view.y);
    ctx.drawImage(img.canvas, 0, 0, size, size);
    if (cursor) {
      // A 2 px frame just inside the cell; a ring around it as well where cells are tiny on screen.
      const cs = size / n;
      const px1 = 1 / view.k;
      ctx.strokeStyle = cssVar(canvas, '--focus', '#e69f00');
      ctx.lineWidth = 2 * px1;
      ctx.strokeRect(cursor.col * cs + px1, cursor.row * cs + px1, cs - 2 * px1, cs - 2 * px1);
      if (cs * view.k < 8) {
        const r = 6 * px1;
        ctx.strokeRect(cursor.col * cs - r, cursor.row * cs - r, cs + 2 * r, cs + 2 * r);
      }
    }
  }, [size, view, cursor, n]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a repaint (data, scale, theme) must be drawn too
  useLayoutEffect(draw, [draw, current, stats, scale, theme]);

  // The view is in CSS pixels of the drawn size: keep it valid when that size changes.
  useEffect(() => setView((v) => clampView(v, size, maxK)), [size, maxK]);

  // Wheel zoom needs a non-passive listener to stop the page from scrolling.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the canvas exists only while drawable
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const box = canvas.getBoundingClientRect();
      const factor = Math.exp(-e.deltaY * 0.0015);
      setView((v) => zoomAt(v, factor, e.clientX - box.left, e.clientY - box.top, size, maxK));
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => canvas.removeEventListener('wheel', onWheel);
  }, [size, maxK, drawable]);

  const local = (e: PointerEvent) => {
    const box = e.currentTarget.getBoundingClientRect();
    return { x: e.clientX - box.left, y: e.clientY - box.top };
  };
  const onPointerDown = (e: PointerEvent<HTMLCanvasElement>) => {
    const p = local(e);
    dragRef.current = { x: p.x, y: p.y, view, moved: false };
    e.currentTarget.setPointerCapture?.(e.pointerId);
  };
  const onPointerMove = (e: PointerEvent<HTMLCanvasElement>) => {
    const p = local(e);
    const drag = dragRef.current;
    if (drag && (drag.moved || Math.hypot(p.x - drag.x, p.y - drag.y) > 3)) {
      drag.moved = true;
      setView(
        clampView({ ...drag.view, x: drag.view.x + p.x - drag.x, y: drag.view.y + p.y - drag.y }, size, maxK),
      );
      return;
    }
    setCursor(cellAt(view, size, n, p.x, p.y));
  };
  const onPointerUp = (e: PointerEvent<HTMLCanvasElement>) => {
    const drag = dragRef.current;
    dragRef.current = null;
    if (drag && !drag.moved) {
      const p = local(e);
      const cell = cellAt(view, size, n, p.x, p.y);
      if (cell) onSelectSlot?.(cell.row * n + cell.col);
    }
  };

  const zoomBy = (factor: number) =>
    setView((v) => {
      // Zoom around the cursor when there is one, else around the centre of the view.
      const cs = (size / n) * v.k;
      const px = cursor ? (cursor.col + 0.5) * cs + v.x : size / 2;
      const py = cursor ? (cursor.row + 0.5) * cs + v.y : size / 2;
      return zoomAt(v, factor, px, py, size, maxK);
    });
  const onKeyDown = (e: KeyboardEvent) => {
    const step = e.shiftKey ? Math.max(1, Math.round(n / 16)) : 1;
    const c = cursor ?? { row: 0, col: 0 };
    const clamp = (v: number) => Math.max(0, Math.min(n - 1, v));
    let next: { row: number; col: number } | null = null;
    if (e.key === 'ArrowLeft') next = { row: c.row, col: clamp(c.col - step) };
    else if (e.key === 'ArrowRight') next = cursor ? { row: c.row, col: clamp(c.col + step) } : c;
    else if (e.key === 'ArrowUp') next = { row: clamp(c.row - step), col: c.col };
    else if (e.key === 'ArrowDown') next = cursor ? { row: clamp(c.row + step), col: c.col } : c;
    else if (e.key === 'Home') next = { row: 0, col: 0 };
    else if (e.key === 'End') next = { row: n - 1, col: n - 1 };
    else if (e.key === '+' || e.key === '=') zoomBy(2);
    else if (e.key === '-' || e.key === '_') zoomBy(0.5);
    else if (e.key === '0') setView(IDENTITY_VIEW);
    else if (e.key === 'Enter' && cursor) onSelectSlot?.(cursor.row * n + cursor.col);
    else return;
    e.preventDefault();
    if (next) {
      const target = next;
      setCursor(target);
      setView((v) => revealCell(v, size, n, target.row, target.col, maxK));
    }
  };

  const selectSeries = (i: number) => {
    setOwnSelected(i);
    props.onSelectedChange?.(i);
  };
  const setScale = (s: HeatScale) => {
    setOwnScale(s);
    props.onScaleChange?.(s);
  };

  const slots = n * n;
  const usedFraction = stats ? (slots - stats.dead) / slots : 0;
  let readout = 'Hover the grid, or focus it and use the arrow keys; + and − zoom, 0 resets, drag pans.';
  if (cursor && current && stats) {
    const s = cursor.row * n + cursor.col;
    const count = current.counts[s];
    const w = current.weights ? current.weights[s] : count;
    const share = weightTotal > 0 ? w / weightTotal : 0;
    readout = `Slot ${formatInt(s)} = (${cursor.row}, ${cursor.col}) · count ${formatValue(count)} · weight share ${formatPercent(share, 3)}${
      count === 0 ? ' · dead' : ''
    }`;
  }
  const legendMax = stats?.max ?? 0;
  const legendMin = stats?.minPositive ?? 0;
  const legendScale = useMemo(
    () =>
      scale === 'log' && legendMin > 0 && legendMax > legendMin
        ? scaleLog().domain([legendMin, legendMax])
        : scaleLinear().domain([0, legendMax > 0 ? legendMax : 1]),
    [scale, legendMin, legendMax],
  );
  const legendColours = useCallback((t: number) => sequential(lutStart + t * (1 - lutStart)), [lutStart]);
  const name = `Memory usage heatmap${current ? `, ${current.label}` : ''}`;

  return (
    <figure ref={ref} className="pkm-figure usage-heatmap" aria-label={name}>
      {problem ? (
        <EmptyState {...problem} />
      ) : (
        <>
          <div className="pkm-toolbar">
            {series.length > 1 && series.length <= 6 ? (
              <Segmented
                label="Series"
                options={series.map((s, i) => ({ value: String(i), label: s.label }))}
                value={String(index)}
                onChange={(v) => selectSeries(Number(v))}
              />
            ) : null}
            {series.length > 6 ? (
              <label className="usage-heatmap__select">
                Series{' '}
                <select value={index} onChange={(e) => selectSeries(Number(e.target.value))}>
                  {series.map((s, i) => (
                    <option key={s.label} value={i}>
                      {s.label}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
            <Segmented label="Colour scale" options={SCALES} value={scale} onChange={setScale} />
            <span className="usage-heatmap__zoom">
              <button type="button" onClick={() => zoomBy(2)} aria-label="Zoom in">
                +
              </button>
              <button type="button" onClick={() => zoomBy(0.5)} aria-label="Zoom out">
                −
              </button>
              <button type="button" onClick={() => setView(IDENTITY_VIEW)}>
                Reset view
              </button>
              <span className="usage-heatmap__zoom-level" aria-live="polite">
                {view.k.toFixed(view.k < 10 ? 1 : 0)}×
              </span>
            </span>
          </div>
          {drawable ? (
            <>
              <PlotFocus
                className="usage-heatmap__plot"
                label="Usage grid: arrow keys move the cursor, plus and minus zoom, 0 resets, Enter inspects the slot"
                onKeyDown={onKeyDown}
              >
                <canvas
                  ref={canvasRef}
                  className="usage-heatmap__canvas"
                  style={{ width: size, height: size }}
                  role="img"
                  aria-label={`${name}: ${n}×${n} slots, ${formatPercent(usedFraction)} used, ${formatInt(stats!.dead)} dead`}
                  onPointerDown={onPointerDown}
                  onPointerMove={onPointerMove}
                  onPointerUp={onPointerUp}
                  onPointerLeave={() => {
                    if (!dragRef.current) setCursor(null);
                  }}
                />
              </PlotFocus>
              <div className="usage-heatmap__footer">
                <ColorLegend
                  scale={legendScale}
                  width={Math.min(260, size - 150)}
                  title={scale === 'log' ? 'selections (log)' : 'selections'}
                  tickFormat={formatValue}
                  interpolate={legendColours}
                  extras={DEAD_SWATCH}
                />
                <span className="usage-heatmap__summary">
                  <strong>{formatPercent(usedFraction)}</strong> of {formatInt(slots)} slots used
                  {props.usedOver ? ` ${props.usedOver}` : ''} · <strong>{formatInt(stats!.dead)}</strong>{' '}
                  dead
                  {stats!.max === 0 ? ' · no slot selected yet' : ''}
                </span>
              </div>
              <output className="pkm-readout" aria-live="polite">
                {readout}
              </output>
            </>
          ) : (
            <EmptyState
              kind="invalid"
              message={`${current!.label}: ${nonFinite} usage values are not finite (NaN or ∞).`}
            />
          )}
        </>
      )}
    </figure>
  );
}
