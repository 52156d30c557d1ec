// The fused causal attention core for tfjs's wasm backend, in AssemblyScript compiled to
// WebAssembly SIMD (scripts/build-wasm-simd.ts writes ../simdBinary.ts from this file). Plain JS
// runs these loops one float at a time; f32x4 lanes do four, which is what lets the fused kernel
// beat the reference's batched matMuls on wasm. The layout is the tfjs kernels': qkv [B, T, 3d]
// with head h's query, key and value at columns h·dh, d + h·dh and 2d + h·dh; dy and the output
// [B, T, d]. dh is a multiple of 4 (the caller checks). Pointers are byte offsets into tfjs's
// wasm heap (the module imports that memory: see ../simd.ts).

import { expNonPositive } from './exp';
import { demoteTwo, laneMax, promoteHigh } from './lanes';

/** Σ_c a[c]·b[c] over dh floats: four lane sums over columns, then (l0 + l1) + (l2 + l3). */
function dot(a: usize, b: usize, dh: i32): f32 {
  let acc = f32x4.splat(0);
  for (let c = 0; c < dh; c += 4) {
    const at = (<usize>c) << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + at), v128.load(b + at)));
  }
  return (
    f32x4.extract_lane(acc, 0) +
    f32x4.extract_lane(acc, 1) +
    (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3))
  );
}

/**
 * dot(a, b_i) for the four rows b_i = b + i·stride, as one vector, bit for bit: four independent
 * lane-sum chains, then the lane pairs added across the four by two shuffles and two adds
 * instead of twelve extracts and scalar adds.
 */
function dotFour(a: usize, b: usize, stride: usize, dh: i32): v128 {
  let a0 = f32x4.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  for (let c = 0; c < dh; c += 4) {
    const at = (<usize>c) << 2;
    const x = v128.load(a + at);
    a0 = f32x4.add(a0, f32x4.mul(x, v128.load(b + at)));
    a1 = f32x4.add(a1, f32x4.mul(x, v128.load(b + stride + at)));
    a2 = f32x4.add(a2, f32x4.mul(x, v128.load(b + 2 * stride + at)));
    a3 = f32x4.add(a3, f32x4.mul(x, v128.load(b + 3 * stride + at)));
  }
  // [l0 + l1, l2 + l3] of rows 0 and 1, then of rows 2 and 3; then (l0 + l1) + (l2 + l3) per row.
  const pairs01 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), v128.shuffle<f32>(a0, a1, 1, 3, 5, 7));
  const pairs23 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 2, 4, 6), v128.shuffle<f32>(a2, a3, 1, 3, 5, 7));
  return f32x4.add(
    v128.shuffle<f32>(pairs01, pairs23, 0, 2, 4, 6),
    v128.shuffle<f32>(pairs01, pairs23, 1, 3, 5, 7),
  );
}

/**
 * out[c .. c + dh) = Σ_{j < n} w_j·rows_j[c ..] (w_j at w + j·wStride, rows_j at rows + j·stride),
 * each column summed over j in order; sixteen columns at a time in four independent chains (one
 * chain waits on its own adds), then four at a time.
 */
function weightedRows(
  w: usize,
  wStride: usize,
  rows: usize,
  stride: usize,
  n: i32,
  dh: i32,
  out: usize,
): void {
  let c = 0;
  for (; c + 16 <= dh; c += 16) {
    const at = (<usize>c) << 2;
    let a0 = f32x4.splat(0);
    let a1 = a0;
    let a2 = a0;
    let a3 = a0;
    for (let j = 0; j < n; j++) {
      const wj = v128.load32_splat(w + <usize>j * wStride);
      const r = rows + <usize>j * stride + at;
      a0 = f32x4.add(a0, f32x4.mul(wj, v128.load(r)));
      a1 = f32x4.add(a1, f32x4.mul(wj, v128.load(r, 16)));
      a2 = f32x4.add(a2, f32x4.mul(wj, v128.load(r, 32)));
      a3 = f32x4.add(a3, f32x4.mul(wj, v128.load(r, 48)));
    }
    v128.store(out + at, a0);
    v128.store(out + at, a1, 16);
    v128.store(out + at, a2, 32);
    v128.store(out + at, a3, 48);
  }
  for (; c < dh; c += 4) {
    const at = (<usize>c) << 2;
    let acc = f32x4.splat(0);
    for (let j = 0; j < n; j++) {
      const wj = v128.load32_splat(w + <usize>j * wStride);
      acc = f32x4.add(acc, f32x4.mul(wj, v128.load(rows + <usize>j * stride + at)));
    }
    v128.store(out + at, acc);
  }
}

/**
 * Writes softmax_j(q·k_j·scale) for j ≤ t at p[0..t]: k_j at k0 + j·stride. The row max is
 * subtracted first and the sum is kept in float64, so p is accurate to float32 rounding.
 */
function softmaxRow(q: usize, k0: usize, stride: usize, t: i32, dh: i32, scale: f32, p: usize): void {
  const scales = f32x4.splat(scale);
  let maxes = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= t + 1; j += 4) {
    const s = f32x4.mul(dotFour(q, k0 + <usize>j * stride, stride, dh), scales);
    v128.store(p + ((<usize>j) << 2), s);
    maxes = f32x4.pmax(maxes, s); // a NaN score is passed over, as the scalar test below does
  }
  let max = laneMax(maxes);
  for (; j <= t; j++) {
    const s = dot(q, k0 + <usize>j * stride, dh) * scale;
    store<f32>(p + ((<usize>j) << 2), s);
    if (s > max) max = s;
  }
  // exp(s − max) four at a time (the lanes stay within the row's t + 1 scores), then the rest.
  const top = f32x4.splat(max);
  let low = f64x2.splat(0);
  let high = low;
  j = 0;
  for (; j + 3 <= t; j += 4) {
    const at = p + ((<usize>j) << 2);
    const e = expNonPositive(f32x4.sub(v128.load(at), top));
    v128.store(at, e);
    low = f64x2.add(low, f64x2.promote_low_f32x4(e));
    high = f64x2.add(high, promoteHigh(e));
  }
  let sum = f64x2.extract_lane(low, 0) + f64x2.extract_lane(low, 1);
  sum += f64x2.extract_lane(high, 0) + f64x2.extract_lane(high, 1);
  for (; j <= t; j++) {
    const at = p + ((<usize>j) << 2);
    const e = f32x4.extract_lane(expNonPositive(f32x4.splat(load<f32>(at) - max)), 0);
    store<f32>(at, e);
    sum += <f64>e;
  }
  // p · (1 / sum) in float64, rounded once, four at a time.
  const inv = 1.0 / sum;
  const invs = f64x2.splat(inv);
  j = 0;
  for (; j + 3 <= t; j += 4) {
    const at = p + ((<usize>j) << 2);
    const e = v128.load(at);
    v128.store(at, demoteTwo(f64x2.mul(f64x2.promote_low_f32x4(e), invs), f64x2.mul(promoteHigh(e), invs)));
  }
  for (; j <= t; j++) {
    const at = p + ((<usize>j) << 2);
    store<f32>(at, <f32>(<f64>load<f32>(at) * inv));
  }
}

/** out[b, t, h·dh + c] = Σ_{j ≤ t} p_tj · v_j[c]; p is scratch of T floats. */
export function forward(qkv: usize, out: usize, p: usize, batch: i32, time: i32, heads: i32, dh: i32): void {
  const d = heads * dh;
  const stride = (<usize>(3 * d)) << 2;
  const outStride = (<usize>d) << 2;
  const scale = <f32>(1.0 / Math.sqrt(<f64>dh));
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const q0 = qkv + <usize>b * <usize>time * stride + ((<usize>(h * dh)) << 2);
      const k0 = q0 + outStride;
      const v0 = k0 + outStride;
      const o0 = out + <usize>b * <usize>time * outStride + ((<usize>(h * dh)) << 2);
      for (let t = 0; t < time; t++) {
        softmaxRow(q0 + <usize>t * stride, k0, stride, t, dh, scale, p);
        weightedRows(p, 4, v0, stride, t + 1, dh, o0 + <usize>t * outStride);
      }
    }
  }
}

/**
 * dqkv from dy and qkv, per (b, h) block with P and dS as [T, T] scratch: dP_tj = dy_t·v_j,
 * D_t = Σ_j p_tj·dP_tj, dS_tj = p_tj·(dP_tj − D_t)·scale; then dq_t = Σ_{j ≤ t} dS_tj·k_j,
 * dk_j = Σ_{t ≥ j} dS_tj·q_t, dv_j = Σ_{t ≥ j} p_tj·dy_t (the softmax and matMul gradients).
 */
export function backward(
  qkv: usize,
  dy: usize,
  dqkv: usize,
  pMat: usize,
  dsMat: usize,
  batch: i32,
  time: i32,
  heads: i32,
  dh: i32,
): void {
  const d = heads * dh;
  const stride = (<usize>(3 * d)) << 2;
  const gStride = (<usize>d) << 2;
  const square = (<usize>time) << 2;
  const scale = <f32>(1.0 / Math.sqrt(<f64>dh));
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const head = (<usize>(h * dh)) << 2;
      const q0 = qkv + <usize>b * <usize>time * stride + head;
      const k0 = q0 + gStride;
      const v0 = k0 + gStride;
      const g0 = dy + <usize>b * <usize>time * gStride + head;
      const dq0 = dqkv + <usize>b * <usize>time * stride + head;
      const dk0 = dq0 + gStride;
      const dv0 = dk0 + gStride;
      for (let t = 0; t < time; t++) {
        const pRow = pMat + <usize>t * square;
        const dsRow = dsMat + <usize>t * square;
        softmaxRow(q0 + <usize>t * stride, k0, stride, t, dh, scale, pRow);
        const g = g0 + <usize>t * gStride;
        let j = 0;
        for (; j + 4 <= t + 1; j += 4)
          v128.store(dsRow + ((<usize>j) << 2), dotFour(g, v0 + <usize>j * stride, stride, dh));
        for (; j <= t; j++) store<f32>(dsRow + ((<usize>j) << 2), dot(g, v0 + <usize>j * stride, dh));
        let total: f64 = 0;
        for (j = 0; j <= t; j++) {
          const at = (<usize>j) << 2;
          total += <f64>load<f32>(pRow + at) * <f64>load<f32>(dsRow + at);
        }
        // dS = (p·(dP − D))·scale in float64, rounded once: four at a time, then the rest.
        const totals = f64x2.splat(total);
        const scales = f64x2.splat(<f64>scale);
        j = 0;
        for (; j + 3 <= t; j += 4) {
          const at = (<usize>j) << 2;
          const pv = v128.load(pRow + at);
          const dp = v128.load(dsRow + at);
          const low = f64x2.mul(
            f64x2.mul(f64x2.promote_low_f32x4(pv), f64x2.sub(f64x2.promote_low_f32x4(dp), totals)),
            scales,
          );
          const high = f64x2.mul(f64x2.mul(promoteHigh(pv), f64x2.sub(promoteHigh(dp), totals)), scales);
          v128.store(dsRow + at, demoteTwo(low, high));
        }
        for (; j <= t; j++) {
          const at = (<usize>j) << 2;
          const pj = <f64>load<f32>(pRow + at);
          store<f32>(dsRow + at, <f32>(pj * (<f64>load<f32>(dsRow + at) - total) * <f64>scale));
        }
      }
      for (let t = 0; t < time; t++)
        weightedRows(dsMat + <usize>t * square, 4, k0, stride, t + 1, dh, dq0 + <usize>t * stride);
      // Column j of dS and P weights the rows t ≥ j.
      for (let j = 0; j < time; j++) {
        const from = <usize>j * square + ((<usize>j) << 2);
        const n = time - j;
        weightedRows(dsMat + from, square, q0 + <usize>j * stride, stride, n, dh, dk0 + <usize>j * stride);
        weightedRows(pMat + from, square, g0 + <usize>j * gStride, gStride, n, dh, dv0 + <usize>j * stride);
      }
    }
  }
}
