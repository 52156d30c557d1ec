// LayerNorm over rows of d floats (d a multiple of 4: the caller checks) in SIMD lanes. Row
// statistics are taken in float64 (f64x2), as the JS loops do: a constant row has mean exactly its
// value, so it normalises to exactly 0 and y = beta. x̂ is rounded to float32 once; the rest of the
// arithmetic is float32, a few ulps from the float64 loops.

import { demoteTwo, promoteHigh } from './lanes';

/** Lane 0 + lane 1. */
function sum2(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** Mean of the row at x, in float64. */
function rowMean(x: usize, d: i32): f64 {
  let s = f64x2.splat(0);
  for (let c = 0; c < d; c += 4) {
    const v = v128.load(x + ((<usize>c) << 2));
    s = f64x2.add(s, f64x2.add(f64x2.promote_low_f32x4(v), promoteHigh(v)));
  }
  return sum2(s) / <f64>d;
}

/** 1/sqrt(variance + eps) of the row, two-pass from its mean (as tf.moments). */
function rowRstd(x: usize, d: i32, mean: f64, eps: f64): f64 {
  const m = f64x2.splat(mean);
  let s = f64x2.splat(0);
  for (let c = 0; c < d; c += 4) {
    const v = v128.load(x + ((<usize>c) << 2));
    const a = f64x2.sub(f64x2.promote_low_f32x4(v), m);
    const b = f64x2.sub(promoteHigh(v), m);
    s = f64x2.add(s, f64x2.add(f64x2.mul(a, a), f64x2.mul(b, b)));
  }
  return 1.0 / Math.sqrt(sum2(s) / <f64>d + eps);
}

/** x̂ = (x − mean)·rstd for four floats, computed in float64 and rounded once. */
function normalized(v: v128, m: v128, rstd: v128): v128 {
  const low = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v), m), rstd);
  return demoteTwo(low, f64x2.mul(f64x2.sub(promoteHigh(v), m), rstd));
}

/** y = x̂·gamma + beta, row by row; eps as the float32 the reference adds. */
export function layerNormForward(
  x: usize,
  gamma: usize,
  beta: usize,
  y: usize,
  rows: i32,
  d: i32,
  eps: f32,
): void {
  const rowBytes = (<usize>d) << 2;
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * rowBytes;
    const out = y + <usize>r * rowBytes;
    const mean = rowMean(row, d);
    const m = f64x2.splat(mean);
    const rstd = f64x2.splat(rowRstd(row, d, mean, <f64>eps));
    for (let c = 0; c < d; c += 4) {
      const at = (<usize>c) << 2;
      const xhat = normalized(v128.load(row + at), m, rstd);
      v128.store(out + at, f32x4.add(f32x4.mul(xhat, v128.load(gamma + at)), v128.load(beta + at)));
    }
  }
}

/**
 * Per row: dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·gamma; over rows dgamma = Σ dy·x̂
 * and dbeta = Σ dy, accumulated in float64 in `acc` (2·d doubles of scratch).
 */
export function layerNormBackward(
  x: usize,
  gamma: usize,
  dy: usize,
  dx: usize,
  dgamma: usize,
  dbeta: usize,
  acc: usize,
  rows: i32,
  d: i32,
  eps: f32,
): void {
  const rowBytes = (<usize>d) << 2;
  const accBeta = acc + ((<usize>d) << 3);
  memory.fill(acc, 0, (<usize>d) << 4);
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * rowBytes;
    const gRow = dy + <usize>r * rowBytes;
    const out = dx + <usize>r * rowBytes;
    const mean = rowMean(row, d);
    const rstd = rowRstd(row, d, mean, <f64>eps);
    const m = f64x2.splat(mean);
    const rs = f64x2.splat(rstd);
    let sumG = f32x4.splat(0);
    let sumGX = f32x4.splat(0);
    for (let c = 0; c < d; c += 4) {
      const at = (<usize>c) << 2;
      const xhat = normalized(v128.load(row + at), m, rs);
      const up = v128.load(gRow + at);
      const g = f32x4.mul(up, v128.load(gamma + at));
      sumG = f32x4.add(sumG, g);
      sumGX = f32x4.add(sumGX, f32x4.mul(g, xhat));
      const gx = f32x4.mul(up, xhat);
      const wide = (<usize>c) << 3;
      v128.store(acc + wide, f64x2.add(v128.load(acc + wide), f64x2.promote_low_f32x4(gx)));
      v128.store(acc + wide + 16, f64x2.add(v128.load(acc + wide + 16), promoteHigh(gx)));
      v128.store(accBeta + wide, f64x2.add(v128.load(accBeta + wide), f64x2.promote_low_f32x4(up)));
      v128.store(accBeta + wide + 16, f64x2.add(v128.load(accBeta + wide + 16), promoteHigh(up)));
    }
    const meanG = f32x4.splat(<f32>(hsum(sumG) / <f64>d));
    const meanGX = f32x4.splat(<f32>(hsum(sumGX) / <f64>d));
    const rstd32 = f32x4.splat(<f32>rstd);
    for (let c = 0; c < d; c += 4) {
      const at = (<usize>c) << 2;
      const xhat = normalized(v128.load(row + at), m, rs);
      const g = f32x4.mul(v128.load(gRow + at), v128.load(gamma + at));
      v128.store(out + at, f32x4.mul(rstd32, f32x4.sub(f32x4.sub(g, meanG), f32x4.mul(xhat, meanGX))));
    }
  }
  for (let c = 0; c < d; c++) {
    store<f32>(dgamma + ((<usize>c) << 2), <f32>load<f64>(acc + ((<usize>c) << 3)));
    store<f32>(dbeta + ((<usize>c) << 2), <f32>load<f64>(accBeta + ((<usize>c) << 3)));
  }
}

/** The four float32 lanes summed in float64. */
function hsum(v: v128): f64 {
  return (
    <f64>f32x4.extract_lane(v, 0) +
    <f64>f32x4.extract_lane(v, 1) +
    (<f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3))
  );
}
