// The fused memory read (an embedding bag) and its gradient in float32x4 lanes over columns — the
// arithmetic of src/model/ops/cpu/valueRead.ts's JS loops operation for operation, so both give
// the same bits (IEEE float32 adds and multiplies round the same everywhere; no fused multiply-add):
// - out[n, c] = 0, then per entry j of row n in order (head-major, then rank):
//   out[n, c] = fl32(out[n, c] + fl32(w_j · v[slot_j, c]));
// - dRows[j, c] = fl32(w_j · dy[n, c]);
// - dWeights[j]: dy[n] · v[slot_j] in four float32 partial sums, lane k summing the columns
//   c ≡ k (mod 4) in order from 0, then fl32(fl32(l0 + l1) + fl32(l2 + l3)).
// A slot outside [0, tableRows) reads as a zero row: it adds nothing, its dWeights is 0, its dRows
// are still written. Layouts: values [tableRows, vDim], slots (int32) and weights [rows, perRow],
// out and dy [rows, vDim], dWeights [rows, perRow], dRows [rows, perRow, vDim]; vDim is a
// multiple of 4 (the caller runs the JS loops otherwise).

import { storeEight } from './lanes';

function inside(slot: i32, tableRows: i32): bool {
  return <u32>slot < <u32>tableRows; // a negative slot wraps to a large unsigned one
}

/** acc + fl32(w · the four floats at p): two roundings, as the JS loops make them. */
function addProduct(acc: v128, w: v128, p: usize): v128 {
  return f32x4.add(acc, f32x4.mul(w, v128.load(p)));
}

/** fl32(fl32(l0 + l1) + fl32(l2 + l3)) of a lane-sum vector. */
function combineLanes(l: v128): f32 {
  const pairs = f32x4.add(l, v128.shuffle<f32>(l, l, 1, 0, 3, 2));
  return f32x4.extract_lane(pairs, 0) + f32x4.extract_lane(pairs, 2);
}

/**
 * One output row's columns [c, c + 32): the row's entries summed into eight vectors held in
 * registers, entries inner, so the value rows' cache misses (what grows with the table) are
 * independent loads the processor overlaps (measured at 2^18 slots, v_dim 64: 1.6× faster than
 * adding one entry at a time into the output row in memory).
 */
function readWide(
  values: usize,
  slots: usize,
  weights: usize,
  o: usize,
  perRow: i32,
  rowBytes: usize,
  tableRows: i32,
): void {
  let a0 = f32x4.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  let a4 = a0;
  let a5 = a0;
  let a6 = a0;
  let a7 = a0;
  for (let j = 0; j < perRow; j++) {
    const slot = load<i32>(slots + ((<usize>j) << 2));
    if (!inside(slot, tableRows)) continue;
    const w = f32x4.splat(load<f32>(weights + ((<usize>j) << 2)));
    const p = values + <usize>slot * rowBytes;
    a0 = addProduct(a0, w, p);
    a1 = addProduct(a1, w, p + 16);
    a2 = addProduct(a2, w, p + 32);
    a3 = addProduct(a3, w, p + 48);
    a4 = addProduct(a4, w, p + 64);
    a5 = addProduct(a5, w, p + 80);
    a6 = addProduct(a6, w, p + 96);
    a7 = addProduct(a7, w, p + 112);
  }
  storeEight(o, a0, a1, a2, a3, a4, a5, a6, a7);
}

/** Four columns of one output row (the columns past the last multiple of 32). */
function readNarrow(
  values: usize,
  slots: usize,
  weights: usize,
  o: usize,
  perRow: i32,
  rowBytes: usize,
  tableRows: i32,
): void {
  let a = f32x4.splat(0);
  for (let j = 0; j < perRow; j++) {
    const slot = load<i32>(slots + ((<usize>j) << 2));
    if (!inside(slot, tableRows)) continue;
    a = addProduct(a, f32x4.splat(load<f32>(weights + ((<usize>j) << 2))), values + <usize>slot * rowBytes);
  }
  v128.store(o, a);
}

/** out[n] = Σ_j w_j · values[slot_j] for every row n (the order above). */
export function valueRead(
  values: usize,
  slots: usize,
  weights: usize,
  out: usize,
  rows: i32,
  perRow: i32,
  vDim: i32,
  tableRows: i32,
): void {
  const rowBytes = (<usize>vDim) << 2;
  for (let n = 0; n < rows; n++) {
    const first = (<usize>n * <usize>perRow) << 2;
    const o = out + <usize>n * rowBytes;
    let c: usize = 0;
    for (; c + 128 <= rowBytes; c += 128)
      readWide(values + c, slots + first, weights + first, o + c, perRow, rowBytes, tableRows);
    for (; c < rowBytes; c += 16)
      readNarrow(values + c, slots + first, weights + first, o + c, perRow, rowBytes, tableRows);
  }
}

/** One entry's dRows (at r) from the dy row g, and its dWeights (0 outside the table). */
function entryGrad(
  g: usize,
  values: usize,
  slot: i32,
  w: f32,
  r: usize,
  rowBytes: usize,
  tableRows: i32,
): f32 {
  const wv = f32x4.splat(w);
  if (!inside(slot, tableRows)) {
    for (let c: usize = 0; c < rowBytes; c += 16) v128.store(r + c, f32x4.mul(wv, v128.load(g + c)));
    return 0;
  }
  const p = values + <usize>slot * rowBytes;
  let l = f32x4.splat(0);
  for (let c: usize = 0; c < rowBytes; c += 16) {
    const x = v128.load(g + c);
    l = addProduct(l, x, p + c);
    v128.store(r + c, f32x4.mul(wv, x));
  }
  return combineLanes(l);
}

/**
 * Four entries at e (all inside the table) in one pass over the columns: four independent
 * lane-sum chains (one entry's adds wait on each other), and the dy row loaded once for four.
 */
function blockGrad(
  g: usize,
  values: usize,
  slots: usize,
  weights: usize,
  dWeights: usize,
  dRows: usize,
  e: usize,
  rowBytes: usize,
): void {
  const s = slots + (e << 2);
  const wp = weights + (e << 2);
  const p0 = values + <usize>load<i32>(s) * rowBytes;
  const p1 = values + <usize>load<i32>(s, 4) * rowBytes;
  const p2 = values + <usize>load<i32>(s, 8) * rowBytes;
  const p3 = values + <usize>load<i32>(s, 12) * rowBytes;
  const w0 = f32x4.splat(load<f32>(wp));
  const w1 = f32x4.splat(load<f32>(wp, 4));
  const w2 = f32x4.splat(load<f32>(wp, 8));
  const w3 = f32x4.splat(load<f32>(wp, 12));
  const r0 = dRows + e * rowBytes;
  const r1 = r0 + rowBytes;
  const r2 = r1 + rowBytes;
  const r3 = r2 + rowBytes;
  let l0 = f32x4.splat(0);
  let l1 = l0;
  let l2 = l0;
  let l3 = l0;
  for (let c: usize = 0; c < rowBytes; c += 16) {
    const x = v128.load(g + c);
    l0 = addProduct(l0, x, p0 + c);
    l1 = addProduct(l1, x, p1 + c);
    l2 = addProduct(l2, x, p2 + c);
    l3 = addProduct(l3, x, p3 + c);
    v128.store(r0 + c, f32x4.mul(w0, x));
    v128.store(r1 + c, f32x4.mul(w1, x));
    v128.store(r2 + c, f32x4.mul(w2, x));
    v128.store(r3 + c, f32x4.mul(w3, x));
  }
  const dw = dWeights + (e << 2);
  store<f32>(dw, combineLanes(l0));
  store<f32>(dw, combineLanes(l1), 4);
  store<f32>(dw, combineLanes(l2), 8);
  store<f32>(dw, combineLanes(l3), 12);
}

/** dWeights and dRows of the read for the output gradient dy (the order above). */
export function valueReadGrad(
  dy: usize,
  values: usize,
  slots: usize,
  weights: usize,
  dWeights: usize,
  dRows: usize,
  rows: i32,
  perRow: i32,
  vDim: i32,
  tableRows: i32,
): void {
  const rowBytes = (<usize>vDim) << 2;
  for (let n = 0; n < rows; n++) {
    const g = dy + <usize>n * rowBytes;
    const first = <usize>n * <usize>perRow;
    const end = first + <usize>perRow;
    let e = first;
    while (e < end) {
      const s = slots + (e << 2);
      if (
        e + 4 <= end &&
        inside(load<i32>(s), tableRows) &&
        inside(load<i32>(s, 4), tableRows) &&
        inside(load<i32>(s, 8), tableRows) &&
        inside(load<i32>(s, 12), tableRows)
      ) {
        blockGrad(g, values, slots, weights, dWeights, dRows, e, rowBytes);
        e += 4;
      } else {
        // The row's last entries, or a block with a slot outside the table: one at a time.
        const dw = entryGrad(
          g,
          values,
          load<i32>(s),
          load<f32>(weights + (e << 2)),
          dRows + e * rowBytes,
          rowBytes,
          tableRows,
        );
        store<f32>(dWeights + (e << 2), dw);
        e += 1;
      }
    }
  }
}
