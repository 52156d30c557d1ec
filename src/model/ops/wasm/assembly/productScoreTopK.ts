// The product-key selection from the query and the sub-keys in one kernel: the sub-key scores
// (what the reference gets from one matMul per (head, half)) computed block by block into a row
// buffer that stays in L1, then productTopK.ts's top-k and merge on it.
// Each score is the sum XNNPACK's wasm GEMM forms for those matMuls (measured: every output of
// [512, 16]·[16, 512] equal): 0 + q0·k0, then + qd·kd for d in order, each product and sum
// rounded to float32, no fused multiply-add; so the scores, and with them the slots, are the
// reference's bit for bit.

import { BLOCK_TOPK_SCRATCH, blockTopK, mergeHalves } from './productTopK';

/** keysT[b][d][j] = keys[b][j][d]: each block's sub-keys as columns, four keys per f32x4 load. */
function transposeKeys(keys: usize, blocks: i32, nKeys: i32, half: i32, keysT: usize): void {
  const blockBytes = (<usize>(nKeys * half)) << 2;
  for (let b = 0; b < blocks; b++) {
    const from = keys + <usize>b * blockBytes;
    const to = keysT + <usize>b * blockBytes;
    for (let j = 0; j < nKeys; j++) {
      for (let d = 0; d < half; d++) {
        store<f32>(to + ((<usize>(d * nKeys + j)) << 2), load<f32>(from + ((<usize>(j * half + d)) << 2)));
      }
    }
  }
}

/**
 * The scores of two query halves (qa, qb: `half` floats each) against every column of one block's
 * keysT, into outA and outB: sixteen keys of both rows per pass, so each key load serves two rows
 * (the last nKeys % 16 one by one).
 */
function scoreTwoRows(
  qa: usize,
  qb: usize,
  keysT: usize,
  nKeys: i32,
  half: i32,
  outA: usize,
  outB: usize,
): void {
  const colBytes = (<usize>nKeys) << 2;
  let j = 0;
  for (; j + 16 <= nKeys; j += 16) {
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let b0 = f32x4.splat(0);
    let b1 = f32x4.splat(0);
    let b2 = f32x4.splat(0);
    let b3 = f32x4.splat(0);
    let col = keysT + ((<usize>j) << 2);
    for (let d = 0; d < half; d++) {
      const k0 = v128.load(col);
      const k1 = v128.load(col, 16);
      const k2 = v128.load(col, 32);
      const k3 = v128.load(col, 48);
      const x = v128.load32_splat(qa + ((<usize>d) << 2));
      const y = v128.load32_splat(qb + ((<usize>d) << 2));
      a0 = f32x4.add(a0, f32x4.mul(x, k0));
      a1 = f32x4.add(a1, f32x4.mul(x, k1));
      a2 = f32x4.add(a2, f32x4.mul(x, k2));
      a3 = f32x4.add(a3, f32x4.mul(x, k3));
      b0 = f32x4.add(b0, f32x4.mul(y, k0));
      b1 = f32x4.add(b1, f32x4.mul(y, k1));
      b2 = f32x4.add(b2, f32x4.mul(y, k2));
      b3 = f32x4.add(b3, f32x4.mul(y, k3));
      col += colBytes;
    }
    const at = (<usize>j) << 2;
    v128.store(outA + at, a0);
    v128.store(outA + at, a1, 16);
    v128.store(outA + at, a2, 32);
    v128.store(outA + at, a3, 48);
    v128.store(outB + at, b0);
    v128.store(outB + at, b1, 16);
    v128.store(outB + at, b2, 32);
    v128.store(outB + at, b3, 48);
  }
  for (; j < nKeys; j++) {
    let a: f32 = 0;
    let b: f32 = 0;
    let col = keysT + ((<usize>j) << 2);
    for (let d = 0; d < half; d++) {
      const k = load<f32>(col);
      a = a + load<f32>(qa + ((<usize>d) << 2)) * k;
      b = b + load<f32>(qb + ((<usize>d) << 2)) * k;
      col += colBytes;
    }
    store<f32>(outA + ((<usize>j) << 2), a);
    store<f32>(outB + ((<usize>j) << 2), b);
  }
}

/** Scratch bytes productScoreTopK needs (the JS side allocates exactly this). */
export function productScoreTopKScratch(heads: i32, rows: i32, nKeys: i32, half: i32, knn: i32): i32 {
  const blocks = 2 * heads;
  return 4 * (blocks * half * nKeys + 2 * nKeys + 2 * blocks * rows * knn + 2 * knn) + BLOCK_TOPK_SCRATCH;
}

/**
 * q: [rows, heads·2·half] (block h·2 + half at column block·half); keys: [heads·2, nKeys, half].
 * Writes every (row, head)'s selection to slots / scores [rows, heads, knn], best first, as
 * productTopK does from the scores. Block by block (one block's keysT is 32 KB at 512 sub-keys
 * and 16 dims: it stays in L1 for all rows), each half's list kept per row, then the merges.
 */
export function productScoreTopK(
  q: usize,
  keys: usize,
  heads: i32,
  rows: i32,
  nKeys: i32,
  half: i32,
  knn: i32,
  slots: usize,
  scores: usize,
  scratch: usize,
): void {
  const blocks = 2 * heads;
  const list = (<usize>knn) << 2;
  const keysT = scratch;
  const rowA = keysT + ((<usize>(blocks * half * nKeys)) << 2);
  const rowB = rowA + ((<usize>nKeys) << 2);
  const listScores = rowB + ((<usize>nKeys) << 2);
  const listIds = listScores + <usize>(blocks * rows) * list;
  const mS = listIds + <usize>(blocks * rows) * list;
  const mI = mS + list;
  const maxima = mI + list;
  transposeKeys(keys, blocks, nKeys, half, keysT);
  const qRow = (<usize>(blocks * half)) << 2;
  for (let b = 0; b < blocks; b++) {
    const blockT = keysT + ((<usize>(b * half * nKeys)) << 2);
    for (let row = 0; row < rows; row += 2) {
      const two = row + 1 < rows;
      const qa = q + <usize>row * qRow + ((<usize>(b * half)) << 2);
      scoreTwoRows(qa, two ? qa + qRow : qa, blockT, nKeys, half, rowA, rowB);
      const at = <usize>(b * rows + row) * list;
      blockTopK(rowA, nKeys, knn, maxima, listScores + at, listIds + at);
      if (two) blockTopK(rowB, nKeys, knn, maxima, listScores + at + list, listIds + at + list);
    }
  }
  for (let row = 0; row < rows; row++) {
    for (let h = 0; h < heads; h++) {
      const a = <usize>(2 * h * rows + row) * list;
      const b = <usize>((2 * h + 1) * rows + row) * list;
      const out = (<usize>(row * heads + h) * <usize>knn) << 2;
      mergeHalves(
        listScores + a,
        listIds + a,
        listScores + b,
        listIds + b,
        mS,
        mI,
        knn,
        nKeys,
        scores + out,
        slots + out,
      );
    }
  }
}
