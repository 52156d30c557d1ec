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

/** The gradient row of segment u: straight from `grads` when read once, else summed into `sum`. */
function gradientRow(
  grads: usize,
  offsets: usize,
  occurrences: usize,
  u: i32,
  vDim: i32,
  acc: usize,
  sum: usize,
): usize {
  const first = load<i32>(offsets + ((<usize>u) << 2));
  const end = load<i32>(offsets + ((<usize>(u + 1)) << 2));
  if (end - first === 1)
    return grads + <usize>load<i32>(occurrences + ((<usize>first) << 2)) * ((<usize>vDim) << 2);
  sumOccurrences(grads, occurrences, first, end, vDim, acc, sum);
  return sum;
}

/** One float32x4 group of one row: g from `src`, the moments and the value at `o`, in place. */
function updateLanes(
  table: usize,
  m: usize,
  v: usize,
  o: usize,
  src: usize,
  b1: v128,
  b2: v128,
  a1: v128,
  a2: v128,
  step: v128,
  e: v128,
): void {
  const g = f32x4.add(f32x4.splat(0), v128.load(src));
  const m1 = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(a1, g));
  const v1 = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(f32x4.mul(a2, g), g));
  v128.store(m + o, m1);
  v128.store(v + o, v1);
  const delta = f32x4.div(f32x4.mul(step, m1), f32x4.add(f32x4.sqrt(v1), e));
  v128.store(table + o, f32x4.sub(v128.load(table + o), delta));
}

/**
 * Updates every segment's row in place in float32 lanes, each operation rounded to float32 as
 * the JS loops' Math.fround does: with g = 0 + its gradient (summed as above when read more than
 * once), m = β1·m + (1 − β1)·g, v = β2·v + ((1 − β2)·g)·g and p = p − (stepSize·m) / (√v + eps),
 * the constants float32. Two rows go through the column loop together: beyond the caches every
 * row is a miss (and a TLB miss) in each of the three tables, and two rows put six of them in
 * flight where one row waits for three (2.6 → 2.1 ms for 7,706 rows of 2^18 slots here). Each
 * element still sees the same operations, so the bits are those of a row-at-a-time loop.
 * scratch: vDim doubles, then 2·vDim floats. Untouched rows are never written.
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
  const sum0 = scratch + ((<usize>vDim) << 3);
  const sum1 = sum0 + rowBytes;
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const a1 = f32x4.splat(oneMinusBeta1);
  const a2 = f32x4.splat(oneMinusBeta2);
  const step = f32x4.splat(stepSize);
  const e = f32x4.splat(eps);
  let u = 0;
  for (; u + 2 <= count; u += 2) {
    const src0 = gradientRow(grads, offsets, occurrences, u, vDim, acc, sum0);
    const src1 = gradientRow(grads, offsets, occurrences, u + 1, vDim, acc, sum1);
    const at0 = <usize>load<i32>(rows + ((<usize>u) << 2)) * rowBytes;
    const at1 = <usize>load<i32>(rows + ((<usize>(u + 1)) << 2)) * rowBytes;
    for (let c: usize = 0; c < rowBytes; c += 16) {
      updateLanes(table, m, v, at0 + c, src0 + c, b1, b2, a1, a2, step, e);
      updateLanes(table, m, v, at1 + c, src1 + c, b1, b2, a1, a2, step, e);
    }
  }
  if (u < count) {
    const src = gradientRow(grads, offsets, occurrences, u, vDim, acc, sum0);
    const at = <usize>load<i32>(rows + ((<usize>u) << 2)) * rowBytes;
    for (let c: usize = 0; c < rowBytes; c += 16)
      updateLanes(table, m, v, at + c, src + c, b1, b2, a1, a2, step, e);
  }
}
