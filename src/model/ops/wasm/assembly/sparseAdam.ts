// Sparse Adam on the touched rows of the value table and its moments, in place — the arithmetic of
// src/model/memory/sparse/adam.ts's JS loops operation for operation, in float64x2 lanes (IEEE
// float64 adds, multiplies, divisions and square roots round the same everywhere, and each result
// is rounded to float32 where the JS stores it), so the tables come out bit for bit the same.
// Rows are grouped as SlotSegments: segment u is slot rows[u], its occurrences (gradient rows)
// occurrences[offsets[u] .. offsets[u + 1]) in order. vDim is a multiple of 4 (the caller checks).

import { demoteTwo, promoteHigh } from './lanes';

/**
 * A row read more than once: its occurrences' gradients summed in float64 in occurrence order
 * (the first added to 0), rounded once to float32 — into `sum` as float32, vDim floats.
 */
function sumOccurrences(
  grads: usize,
  occurrences: usize,
  first: i32,
  end: i32,
  vDim: i32,
  acc: usize,
  sum: usize,
): void {
  const rowBytes = (<usize>vDim) << 2;
  const zero = f64x2.splat(0);
  let from = grads + <usize>load<i32>(occurrences + ((<usize>first) << 2)) * rowBytes;
  for (let c = 0; c < vDim; c += 4) {
    const g = v128.load(from + ((<usize>c) << 2));
    v128.store(acc + ((<usize>c) << 3), f64x2.add(zero, f64x2.promote_low_f32x4(g)));
    v128.store(acc + ((<usize>c) << 3) + 16, f64x2.add(zero, promoteHigh(g)));
  }
  for (let o = first + 1; o < end; o++) {
    from = grads + <usize>load<i32>(occurrences + ((<usize>o) << 2)) * rowBytes;
    for (let c = 0; c < vDim; c += 4) {
      const g = v128.load(from + ((<usize>c) << 2));
      const at = acc + ((<usize>c) << 3);
      v128.store(at, f64x2.add(v128.load(at), f64x2.promote_low_f32x4(g)));
      v128.store(at + 16, f64x2.add(v128.load(at + 16), promoteHigh(g)));
    }
  }
  for (let c = 0; c < vDim; c += 4) {
    const at = acc + ((<usize>c) << 3);
    v128.store(sum + ((<usize>c) << 2), demoteTwo(v128.load(at), v128.load(at + 16)));
  }
}

/**
 * Updates every segment's row in place: with g = 0 + its gradient (summed as above when read more
 * than once), m = fl32(β1·m + (1 − β1)·g), v = fl32(β2·v + (1 − β2)·g·g) and
 * p = fl32(p − stepSize·m / (√v + eps)), each operation in float64 in the JS's order. scratch:
 * vDim doubles and vDim floats. Untouched rows are never written.
 */
export function sparseAdam(
  table: usize,
  m: usize,
  v: usize,
  grads: usize,
  rows: usize,
  offsets: usize,
  occurrences: usize,
  count: i32,
  vDim: i32,
  scratch: usize,
  stepSize: f64,
  beta1: f64,
  beta2: f64,
  eps: f64,
): void {
  const rowBytes = (<usize>vDim) << 2;
  const acc = scratch;
  const sum = scratch + ((<usize>vDim) << 3);
  const zero = f64x2.splat(0);
  const b1 = f64x2.splat(beta1);
  const b2 = f64x2.splat(beta2);
  const a1 = f64x2.splat(1.0 - beta1);
  const a2 = f64x2.splat(1.0 - beta2);
  const step = f64x2.splat(stepSize);
  const e = f64x2.splat(eps);
  for (let u = 0; u < count; u++) {
    const first = load<i32>(offsets + ((<usize>u) << 2));
    const end = load<i32>(offsets + ((<usize>(u + 1)) << 2));
    let src = sum;
    if (end - first === 1) src = grads + <usize>load<i32>(occurrences + ((<usize>first) << 2)) * rowBytes;
    else sumOccurrences(grads, occurrences, first, end, vDim, acc, sum);
    const at = <usize>load<i32>(rows + ((<usize>u) << 2)) * rowBytes;
    for (let c = 0; c < vDim; c += 4) {
      const o = at + ((<usize>c) << 2);
      const g32 = v128.load(src + ((<usize>c) << 2));
      const gLow = f64x2.add(zero, f64x2.promote_low_f32x4(g32));
      const gHigh = f64x2.add(zero, promoteHigh(g32));
      const mOld = v128.load(m + o);
      const m32 = demoteTwo(
        f64x2.add(f64x2.mul(b1, f64x2.promote_low_f32x4(mOld)), f64x2.mul(a1, gLow)),
        f64x2.add(f64x2.mul(b1, promoteHigh(mOld)), f64x2.mul(a1, gHigh)),
      );
      const vOld = v128.load(v + o);
      const v32 = demoteTwo(
        f64x2.add(f64x2.mul(b2, f64x2.promote_low_f32x4(vOld)), f64x2.mul(f64x2.mul(a2, gLow), gLow)),
        f64x2.add(f64x2.mul(b2, promoteHigh(vOld)), f64x2.mul(f64x2.mul(a2, gHigh), gHigh)),
      );
      v128.store(m + o, m32);
      v128.store(v + o, v32);
      const pOld = v128.load(table + o);
      const low = f64x2.div(
        f64x2.mul(step, f64x2.promote_low_f32x4(m32)),
        f64x2.add(f64x2.sqrt(f64x2.promote_low_f32x4(v32)), e),
      );
      const high = f64x2.div(f64x2.mul(step, promoteHigh(m32)), f64x2.add(f64x2.sqrt(promoteHigh(v32)), e));
      v128.store(
        table + o,
        demoteTwo(f64x2.sub(f64x2.promote_low_f32x4(pOld), low), f64x2.sub(promoteHigh(pOld), high)),
      );
    }
  }
}
