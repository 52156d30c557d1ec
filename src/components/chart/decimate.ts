/**
 * Indices of the points to draw of a long series: per pixel column the first, lowest, highest
 * and last point (M4), so the drawn line looks the same as with every point. Short series are
 * returned whole.
 */
export function decimateM4(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  px: (v: number) => number,
  columns: number,
): number[] {
  const n = Math.min(x.length, y.length);
  if (n <= columns * 4) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  let col = Number.NaN;
  let first = -1;
  let lo = -1;
  let hi = -1;
  let last = -1;
  const flush = () => {
    if (first < 0) return;
    const picks = [first, lo, hi, last]
      .filter((v, i, a) => v >= 0 && a.indexOf(v) === i)
      .sort((a, b) => a - b);
    out.push(...picks);
  };
  for (let i = 0; i < n; i++) {
    const c = Math.floor(px(x[i]));
    const v = y[i];
    if (c !== col) {
      flush();
      col = c;
      first = i;
      lo = -1;
      hi = -1;
    }
    last = i;
    if (Number.isFinite(v)) {
      if (lo < 0 || v < y[lo]) lo = i;
      if (hi < 0 || v > y[hi]) hi = i;
    }
  }
  flush();
  return out;
}
