// The fused cross-entropy's O(N·V) loops over f32x4 lanes, with exp from the shared polynomial:
// the row max and Σ exp(x − max) forward (the logs, targets and mean are the JS loops' own, in
// ../../cpu/crossEntropy.ts), and the gradient softmax − onehot backward. Logits are [rows, cols]
// float32, rows one after another; cols need not be a multiple of 4 (the tail runs one lane).

import { expNonPositive } from './exp';
import { promoteHigh } from './lanes';

/** exp(x − max) + (x − x) for four floats: NaN where x is NaN or ±Inf (see the JS loops). */
function term(v: v128, top: v128): v128 {
  return f32x4.add(expNonPositive(f32x4.sub(v, top)), f32x4.sub(v, v));
}

/** The larger of a and b, a where b is NaN: as pmax, and as the JS loops' `b > a` (NaN is skipped). */
function larger(a: f32, b: f32): f32 {
  return b > a ? b : a;
}

/**
 * Per row r: stats[2r] = max (f32), sums[r] = Σ exp(x − max) + (x − x) in float64 (f64x2 lanes,
 * then the tail in column order). The max skips NaN as the JS loops do (pmax is one instruction,
 * where NaN-propagating max is several); a NaN row's sum is NaN through its x − x terms.
 */
export function crossEntropyRows(logits: usize, rows: i32, cols: i32, stats: usize, sums: usize): void {
  const rowBytes = (<usize>cols) << 2;
  for (let r = 0; r < rows; r++) {
    const row = logits + <usize>r * rowBytes;
    let lanes = f32x4.splat(-Infinity);
    let c = 0;
    for (; c + 4 <= cols; c += 4) lanes = f32x4.pmax(lanes, v128.load(row + ((<usize>c) << 2)));
    let rowMax = larger(
      larger(f32x4.extract_lane(lanes, 0), f32x4.extract_lane(lanes, 1)),
      larger(f32x4.extract_lane(lanes, 2), f32x4.extract_lane(lanes, 3)),
    );
    for (; c < cols; c++) rowMax = larger(rowMax, load<f32>(row + ((<usize>c) << 2)));
    const top = f32x4.splat(rowMax);
    let acc = f64x2.splat(0);
    c = 0;
    for (; c + 4 <= cols; c += 4) {
      const e = term(v128.load(row + ((<usize>c) << 2)), top);
      acc = f64x2.add(acc, f64x2.add(f64x2.promote_low_f32x4(e), promoteHigh(e)));
    }
    let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; c < cols; c++) {
      sum += <f64>f32x4.extract_lane(term(f32x4.splat(load<f32>(row + ((<usize>c) << 2))), top), 0);
    }
    store<f32>(stats + ((<usize>r) << 3), rowMax);
    store<f64>(sums + ((<usize>r) << 3), sum);
  }
}

/**
 * dx[r, j] = scale·(exp((x − max) − logSum)·keep − [j = t]), keep = 1 where 0 ≤ t < cols, else 0;
 * stats [rows, 2] = (max, logSum) from the forward, targets int32.
 */
export function crossEntropyGrad(
  logits: usize,
  targets: usize,
  stats: usize,
  dx: usize,
  rows: i32,
  cols: i32,
  scale: f32,
): void {
  const rowBytes = (<usize>cols) << 2;
  const s = f32x4.splat(scale);
  const one = f32x4.splat(1);
  for (let r = 0; r < rows; r++) {
    const row = logits + <usize>r * rowBytes;
    const out = dx + <usize>r * rowBytes;
    const top = f32x4.splat(load<f32>(stats + ((<usize>r) << 3)));
    const logSum = f32x4.splat(load<f32>(stats + ((<usize>r) << 3) + 4));
    const t = load<i32>(targets + ((<usize>r) << 2));
    const keep = f32x4.splat(<u32>t < <u32>cols ? 1 : 0);
    const target = i32x4.splat(t);
    let columns = i32x4(0, 1, 2, 3);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const at = (<usize>c) << 2;
      const p = expNonPositive(f32x4.sub(f32x4.sub(v128.load(row + at), top), logSum));
      const hot = v128.and(i32x4.eq(columns, target), one);
      v128.store(out + at, f32x4.mul(f32x4.sub(f32x4.mul(p, keep), hot), s));
      columns = i32x4.add(columns, i32x4.splat(4));
    }
    for (; c < cols; c++) {
      const at = (<usize>c) << 2;
      const p = expNonPositive(f32x4.sub(f32x4.sub(f32x4.splat(load<f32>(row + at)), top), logSum));
      const hot = f32x4.splat(c === t ? 1 : 0);
      store<f32>(out + at, f32x4.extract_lane(f32x4.mul(f32x4.sub(f32x4.mul(p, keep), hot), s), 0));
    }
  }
}
