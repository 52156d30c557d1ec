/** The smallest "nice" step (1, 2, 5 × 10^n) at least `raw`, for index axes. */
export function niceStep(raw: number): number {
  if (!(raw > 1)) return 1;
  const base = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * base >= raw) return m * base;
  return 10 * base;
}

/** Indices 0..n-1 to label on an axis `pixels` wide, about `spacing` px apart. */
export function indexTicks(n: number, pixels: number, spacing = 44): number[] {
  const step = niceStep(n / Math.max(1, Math.floor(pixels / spacing)));
  const out: number[] = [];
  for (let i = 0; i < n; i += step) out.push(i);
  return out;
}
