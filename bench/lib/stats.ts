/**
 * Robust summaries of repeated timings. Machines are noisy: figures are medians with the
 * interquartile range as the spread, and ratios are taken pair by pair (samples of one repetition
 * against each other) before summarising, so a slow phase of the machine cancels out.
 */

export interface Summary {
  median: number;
  /** 25th and 75th percentiles (linear interpolation). */
  p25: number;
  p75: number;
  min: number;
  max: number;
  n: number;
}

/** The q-quantile (0 ≤ q ≤ 1) of ascending values, interpolated linearly between neighbours. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile: no values');
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no values');
  if (values.some((v) => !Number.isFinite(v))) throw new Error('summarize: a value is not finite');
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    n: sorted.length,
  };
}

/** Summary of a[i] / b[i] for samples taken side by side in the same repetition i. */
export function pairedRatio(a: readonly number[], b: readonly number[]): Summary {
  if (a.length !== b.length) throw new Error(`pairedRatio: ${a.length} against ${b.length} samples`);
  return summarize(a.map((v, i) => v / b[i]));
}

/** A number rounded to `digits` significant digits, for compact JSON and tables. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}
