import { format } from 'd3';

const si = format('.3~s');
const fixed3 = format('.3~f');
const grouped = format(',d');

/** Counts such as parameters: 1.05M, 16.6k, 512. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  return Math.abs(n) < 1000 ? grouped(Math.round(n)) : si(n).replace('G', 'B');
}

export function formatInt(n: number): string {
  return Number.isFinite(n) ? grouped(Math.round(n)) : '—';
}

/** Scores, weights, losses: three significant decimals, exponent for the very small. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '−∞';
  if (v !== 0 && Math.abs(v) < 1e-3) return format('.2e')(v);
  return fixed3(v).replace('-', '−');
}

/** Durations: 175.822 → "176", 12.34 → "12.3", 1.234 → "1.23" (three digits at most past the point's need). */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (Math.abs(ms) >= 100) return grouped(Math.round(ms));
  return ms.toFixed(Math.abs(ms) >= 10 ? 1 : 2);
}

export function formatPercent(fraction: number, digits = 1): string {
  return Number.isFinite(fraction) ? `${(fraction * 100).toFixed(digits)}%` : '—';
}

/** Counts non-finite entries (NaN, ±Infinity). */
export function countNonFinite(values: ArrayLike<number>): number {
  let bad = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) bad++;
  return bad;
}
