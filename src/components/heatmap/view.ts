/**
 * The zoom and pan of a square grid drawn `size` CSS pixels wide: screen = world · k + (x, y),
 * where world spans [0, size]. Pure functions, shared by the component and its tests.
 */
export interface HeatView {
  k: number;
  x: number;
  y: number;
}

export const IDENTITY_VIEW: HeatView = { k: 1, x: 0, y: 0 };

/** Keeps the grid covering the viewport: no panning past its edges, no zoom below 1. */
export function clampView(v: HeatView, size: number, maxK: number): HeatView {
  const k = Math.min(maxK, Math.max(1, v.k));
  const min = size - size * k;
  return { k, x: Math.min(0, Math.max(min, v.x)), y: Math.min(0, Math.max(min, v.y)) };
}

/** Zooms by `factor` keeping the screen point (px, py) fixed. */
export function zoomAt(
  v: HeatView,
  factor: number,
  px: number,
  py: number,
  size: number,
  maxK: number,
): HeatView {
  const k = Math.min(maxK, Math.max(1, v.k * factor));
  const wx = (px - v.x) / v.k;
  const wy = (py - v.y) / v.k;
  return clampView({ k, x: px - wx * k, y: py - wy * k }, size, maxK);
}

/** The cell (row, col) under screen point (px, py), or null outside the grid. */
export function cellAt(
  v: HeatView,
  size: number,
  n: number,
  px: number,
  py: number,
): { row: number; col: number } | null {
  const cell = size / n;
  const col = Math.floor((px - v.x) / v.k / cell);
  const row = Math.floor((py - v.y) / v.k / cell);
  return row >= 0 && row < n && col >= 0 && col < n ? { row, col } : null;
}

/** Screen position of a cell's centre. */
export function cellCentre(
  v: HeatView,
  size: number,
  n: number,
  row: number,
  col: number,
): { x: number; y: number } {
  const cell = size / n;
  return { x: (col + 0.5) * cell * v.k + v.x, y: (row + 0.5) * cell * v.k + v.y };
}

/** Pans the least needed to bring a cell fully into view. */
export function revealCell(
  v: HeatView,
  size: number,
  n: number,
  row: number,
  col: number,
  maxK: number,
): HeatView {
  const cs = (size / n) * v.k;
  let { x, y } = v;
  const left = col * cs + x;
  const top = row * cs + y;
  if (left < 0) x -= left;
  if (left + cs > size) x -= left + cs - size;
  if (top < 0) y -= top;
  if (top + cs > size) y -= top + cs - size;
  return clampView({ k: v.k, x, y }, size, maxK);
}
