// The fused causal attention core for tfjs's wasm backend, in AssemblyScript compiled to
// WebAssembly SIMD (scripts/build-wasm-simd.ts writes ../simdBinary.ts from this file). Plain JS
// runs these loops one float at a time; f32x4 lanes do four, which is what lets the fused kernel
// beat the reference's batched matMuls on wasm. The layout is the tfjs kernels': qkv [B, T, 3d]
// with head h's query, key and value at columns h·dh, d + h·dh and 2d + h·dh; dy and the output
// [B, T, d]. dh is a multiple of 4 (the caller checks). Pointers are byte offsets into tfjs's
// wasm heap (the module imports that memory: see ../simd.ts).

import { expNonPositive } from './exp';

/** Σ_c a[c]·b[c] over dh floats, four lanes at a time. */
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
 * Writes softmax_j(q·k_j·scale) for j ≤ t at p[0..t]: k_j at k0 + j·stride. The row max is
 * subtracted first and the sum is kept in float64, so p is accurate to float32 rounding.
 */
function softmaxRow(q: usize, k0: usize, stride: usize, t: i32, dh: i32, scale: f32, p: usize): void {
  let max = -Infinity as f32;
  for (let j = 0; j <= t; j++) {
    const s = dot(q, k0 + <usize>j * stride, dh) * scale;
    store<f32>(p + ((<usize>j) << 2), s);
    if (s > max) max = s;
  }
  // exp(s − max) four at a time (the lanes stay within the row's t + 1 scores), then the rest.
  const top = f32x4.splat(max);
  let sum: f64 = 0;
  let j = 0;
  for (; j + 3 <= t; j += 4) {
    const at = p + ((<usize>j) << 2);
    const e = expNonPositive(f32x4.sub(v128.load(at), top));
    v128.store(at, e);
    sum += <f64>f32x4.extract_lane(e, 0) + <f64>f32x4.extract_lane(e, 1);
    sum += <f64>f32x4.extract_lane(e, 2) + <f64>f32x4.extract_lane(e, 3);
  }
  for (; j <= t; j++) {
    const at = p + ((<usize>j) << 2);
    const e = f32x4.extract_lane(expNonPositive(f32x4.splat(load<f32>(at) - max)), 0);
    store<f32>(at, e);
    sum += <f64>e;
  }
  const inv = 1.0 / sum;
  for (let j = 0; j <= t; j++) {
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
        for (let c = 0; c < dh; c += 4) {
          const at = (<usize>c) << 2;
          let acc = f32x4.splat(0);
          for (let j = 0; j <= t; j++) {
            const pj = f32x4.splat(load<f32>(p + ((<usize>j) << 2)));
            acc = f32x4.add(acc, f32x4.mul(pj, v128.load(v0 + <usize>j * stride + at)));
          }
          v128.store(o0 + <usize>t * outStride + at, acc);
        }
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
        let total: f64 = 0;
        for (let j = 0; j <= t; j++) {
          const dp = dot(g, v0 + <usize>j * stride, dh);
          store<f32>(dsRow + ((<usize>j) << 2), dp);
          total += <f64>load<f32>(pRow + ((<usize>j) << 2)) * <f64>dp;
        }
        for (let j = 0; j <= t; j++) {
          const at = (<usize>j) << 2;
          const pj = <f64>load<f32>(pRow + at);
          store<f32>(dsRow + at, <f32>(pj * (<f64>load<f32>(dsRow + at) - total) * <f64>scale));
        }
      }
      for (let t = 0; t < time; t++) {
        const dsRow = dsMat + <usize>t * square;
        for (let c = 0; c < dh; c += 4) {
          const at = (<usize>c) << 2;
          let acc = f32x4.splat(0);
          for (let j = 0; j <= t; j++) {
            const ds = f32x4.splat(load<f32>(dsRow + ((<usize>j) << 2)));
            acc = f32x4.add(acc, f32x4.mul(ds, v128.load(k0 + <usize>j * stride + at)));
          }
          v128.store(dq0 + <usize>t * stride + at, acc);
        }
      }
      for (let j = 0; j < time; j++) {
        const col = (<usize>j) << 2;
        for (let c = 0; c < dh; c += 4) {
          const at = (<usize>c) << 2;
          let dk = f32x4.splat(0);
          let dv = f32x4.splat(0);
          for (let t = j; t < time; t++) {
            const row = <usize>t * square + col;
            const ds = f32x4.splat(load<f32>(dsMat + row));
            const p = f32x4.splat(load<f32>(pMat + row));
            dk = f32x4.add(dk, f32x4.mul(ds, v128.load(q0 + <usize>t * stride + at)));
            dv = f32x4.add(dv, f32x4.mul(p, v128.load(g0 + <usize>t * gStride + at)));
          }
          v128.store(dk0 + <usize>j * stride + at, dk);
          v128.store(dv0 + <usize>j * stride + at, dv);
        }
      }
    }
  }
}
