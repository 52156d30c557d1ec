/**
 * The pure painting of a usage heat map: values → packed RGBA pixels through a colour lookup table.
 * No DOM, no canvas: benchmarks and tests call it directly. One pixel per slot, row-major, so the
 * n×n image's pixel (x = j, y = i) is slot i·n + j.
 */

export type HeatScale = 'linear' | 'log';

export interface HeatStats {
  /** Largest finite value (0 when none is positive). */
  max: number;
  /** Smallest positive value (the log scale's lower end); 0 when none. */
  minPositive: number;
  /** Slots with value 0 (never selected). */
  dead: number;
  /** NaN or ±Infinity entries. */
  nonFinite: number;
  /** Sum of the finite values. */
  total: number;
}

/** One pass over the values: what the colour domain and the summary need. */
export function heatStats(values: ArrayLike<number>): HeatStats {
  let max = 0;
  let minPositive = Number.POSITIVE_INFINITY;
  let dead = 0;
  let nonFinite = 0;
  let total = 0;
  for (let s = 0; s < values.length; s++) {
    const v = values[s];
    if (v > 0) {
      if (v === Number.POSITIVE_INFINITY) {
        nonFinite++;
        continue;
      }
      total += v;
      if (v > max) max = v;
      if (v < minPositive) minPositive = v;
    } else if (v === 0) {
      dead++;
    } else if (!Number.isFinite(v)) {
      nonFinite++;
    } else {
      total += v;
    }
  }
  return { max, minPositive: Number.isFinite(minPositive) ? minPositive : 0, dead, nonFinite, total };
}

export interface PaintOptions {
  scale: HeatScale;
  max: number;
  /** Lower end of the log scale (the smallest positive value). Ignored by the linear scale. */
  minPositive: number;
  /** Packed colour of slots with value ≤ 0 or non-finite. */
  dead: number;
}

/** Position in [0, 1] of a positive value on the colour scale. */
export function heatPosition(v: number, o: Pick<PaintOptions, 'scale' | 'max' | 'minPositive'>): number {
  if (o.scale === 'linear') return o.max > 0 ? Math.min(1, v / o.max) : 0;
  const lo = Math.log(o.minPositive);
  const span = Math.log(o.max) - lo;
  return span > 0 ? Math.min(1, Math.max(0, (Math.log(v) - lo) / span)) : 1;
}

/**
 * Writes one packed colour per value into `out` (e.g. a Uint32Array view of ImageData.data):
 * positive values through `lut` (linear on v/max, or log between minPositive and max; values
 * beyond the range, +∞ included, saturate at its ends), zero, negative and NaN values in the
 * dead colour. `out` must hold values.length entries.
 */
export function paintHeatmap(
  values: ArrayLike<number>,
  out: Uint32Array,
  lut: Uint32Array,
  o: PaintOptions,
): void {
  const n = values.length;
  if (out.length < n) throw new Error(`paintHeatmap: out holds ${out.length} pixels, need ${n}`);
  const top = lut.length - 1;
  const dead = o.dead;
  if (o.scale === 'linear') {
    const f = o.max > 0 ? top / o.max : 0;
    for (let s = 0; s < n; s++) {
      const v = values[s];
      // v > 0 is false for 0, negatives and NaN; values above max (and +∞) saturate at the top.
      const i = v * f + 0.5;
      out[s] = v > 0 ? lut[i < top ? i | 0 : top] : dead;
    }
    return;
  }
  const lo = Math.log(o.minPositive > 0 ? o.minPositive : 1);
  const span = Math.log(o.max > 0 ? o.max : 1) - lo;
  const f = span > 0 ? top / span : 0;
  const whenFlat = lut[top];
  for (let s = 0; s < n; s++) {
    const v = values[s];
    if (!(v > 0)) out[s] = dead;
    else if (f === 0) out[s] = whenFlat;
    else {
      const i = (Math.log(v) - lo) * f + 0.5;
      out[s] = lut[i < top ? (i > 0 ? i | 0 : 0) : top];
    }
  }
}
