// Sparse Adam on the touched rows of the value table and its moments, in place — the arithmetic of
// src/model/memory/sparse/adam.ts's JS loops operation for operation: the duplicate gradients summed
// in float64x2 lanes, the update in float32x4 lanes (IEEE adds, multiplies, divisions and square
// roots round the same everywhere, and the JS rounds each one to float32), so the tables come out
// bit for bit the same.
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
 * Updates every segment's row in place in float32 lanes, each operation rounded to float32 as
 * the JS loops' Math.fround does: with g = 0 + its gradient (summed as above when read more than
 * once), m = β1·m + (1 − β1)·g, v = β2·v + ((1 − β2)·g)·g and p = p − (stepSize·m) / (√v + eps),
 * the constants float32. scratch: vDim doubles and vDim floats. Untouched rows are never written.
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
  stepSize: f32,
  beta1: f32,
  beta2: f32,
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  eps: f32,
): void {
  const rowBytes = (<usize>vDim) << 2;
  const acc = scratch;
  const sum = scratch + ((<usize>vDim) << 3);
  const zero = f32x4.splat(0);
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const a1 = f32x4.splat(oneMinusBeta1);
  const a2 = f32x4.splat(oneMinusBeta2);
  const step = f32x4.splat(stepSize);
  const e = f32x4.splat(eps);
  for (let u = 0; u < count; u++) {
    const first = load<i32>(offsets + ((<usize>u) << 2));
    const end = load<i32>(offsets + ((<usize>(u + 1)) << 2));
    let src = sum;
    if (end - first === 1) src = grads + <usize>load<i32>(occurrences + ((<usize>first) << 2)) * rowBytes;
    else sumOccurrences(grads, occurrences, first, end, vDim, acc, sum);
    const at = <usize>load<i32>(rows + ((<usize>u) << 2)) * rowBytes;
    for (let c = 0; c < vDim; c += 4) {
      const o = at + ((<usize>c) << 2);
      const g = f32x4.add(zero, v128.load(src + ((<usize>c) << 2)));
      const m1 = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(a1, g));
      const v1 = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(f32x4.mul(a2, g), g));
      v128.store(m + o, m1);
      v128.store(v + o, v1);
      const delta = f32x4.div(f32x4.mul(step, m1), f32x4.add(f32x4.sqrt(v1), e));
      v128.store(table + o, f32x4.sub(v128.load(table + o), delta));
    }
  }
}
