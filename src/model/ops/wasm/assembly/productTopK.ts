// The product-key top-k with the sub-key scans in SIMD: the same lists as ../../cpu/productTopK.ts
// (its insertion order, its ties, its merge; so the selection is the same bit for bit), by way
// of fewer insertions. Each half's list is taken over the scores at or above a floor from the
// row's own group maxima (groupFloor.ts): for k ≤ 8 in an eight-lane SIMD list (shortTopK.ts),
// else here, sixteen scores tested per branch and only those that pass visited. Lists live in
// scratch: per (row, head) each half's k (score, id) pairs and the merged k, and the maxima.

import { floor16, floor32, GROUP_FLOOR_SCRATCH, nanAmongFirst } from './groupFloor';
import { passMask } from './scoreMasks';
import { shortTopK } from './shortTopK';

/** Puts (v, id) at `at` (the list's free or evicted end), moved up past every strictly lower score. */
function insertFrom(v: f32, id: i32, at: i32, scores: usize, ids: usize): void {
  let i = at;
  while (i > 0 && v > load<f32>(scores + ((<usize>(i - 1)) << 2))) {
    store<f32>(scores + ((<usize>i) << 2), load<f32>(scores + ((<usize>(i - 1)) << 2)));
    store<i32>(ids + ((<usize>i) << 2), load<i32>(ids + ((<usize>(i - 1)) << 2)));
    i--;
  }
  store<f32>(scores + ((<usize>i) << 2), v);
  store<i32>(ids + ((<usize>i) << 2), id);
}

/** The rest of a full list's scan, sub[from .. end): a score enters only when strictly above the k-th. */
function scanAbove(sub: usize, from: i32, end: i32, knn: i32, scores: usize, ids: usize): void {
  const last = scores + ((<usize>(knn - 1)) << 2);
  let kth = load<f32>(last);
  let p = from;
  for (; p + 16 <= end; p += 16) {
    let mask = passMask(sub + ((<usize>p) << 2), f32x4.splat(kth), true);
    while (mask !== 0) {
      const q = p + ctz<i32>(mask);
      mask &= mask - 1;
      const v = load<f32>(sub + ((<usize>q) << 2));
      if (!(v > kth)) continue;
      insertFrom(v, q, knn - 1, scores, ids);
      kth = load<f32>(last);
    }
  }
  for (; p < end; p++) {
    const v = load<f32>(sub + ((<usize>p) << 2));
    if (!(v > kth)) continue;
    insertFrom(v, p, knn - 1, scores, ids);
    kth = load<f32>(last);
  }
}

/** Top-k of sub[0 .. n) by score desc, then lower index: the first k by insertion, then the scan. */
function subTopK(sub: usize, n: i32, knn: i32, scores: usize, ids: usize): void {
  for (let i = 0; i < knn; i++) insertFrom(load<f32>(sub + ((<usize>i) << 2)), i, i, scores, ids);
  scanAbove(sub, knn, n, knn, scores, ids);
}

/**
 * subTopK over the scores ≥ t alone (in index order: the first k of them fill the list, the rest
 * go through scanAbove); false when fewer than k reach t. When k do, the k best of the row are
 * among them, so the list is subTopK's (a NaN is never ≥ t; subTopK would keep one only from its
 * first k places, which the caller has seen to hold none).
 */
function subTopKAtLeast(sub: usize, n: i32, t: f32, knn: i32, scores: usize, ids: usize): bool {
  const at = f32x4.splat(t);
  let count = 0;
  let p = 0;
  for (; p + 16 <= n; p += 16) {
    let mask = passMask(sub + ((<usize>p) << 2), at, false);
    while (mask !== 0) {
      const q = p + ctz<i32>(mask);
      mask &= mask - 1;
      insertFrom(load<f32>(sub + ((<usize>q) << 2)), q, count++, scores, ids);
      if (count === knn) {
        scanAbove(sub, q + 1, n, knn, scores, ids);
        return true;
      }
    }
  }
  for (; p < n; p++) {
    const v = load<f32>(sub + ((<usize>p) << 2));
    if (!(v >= t)) continue;
    insertFrom(v, p, count++, scores, ids);
    if (count === knn) {
      scanAbove(sub, p + 1, n, knn, scores, ids);
      return true;
    }
  }
  return false;
}

/** Scratch bytes blockTopK needs at `scratch`. */
export const BLOCK_TOPK_SCRATCH: i32 = GROUP_FLOOR_SCRATCH;

/**
 * One block's list for one row (subTopK's, bit for bit), over the scores at or above the row's
 * group floor (groupFloor.ts) where one applies and no NaN is among the first knn scores: for
 * k ≤ 8 (n ≥ 16) in shortTopK's eight-lane list over 16 groups, for k ≤ 32 (n ≥ 32) here over 32
 * groups; else, and wherever those decline, the plain scan.
 */
export function blockTopK(sub: usize, n: i32, knn: i32, scratch: usize, scores: usize, ids: usize): void {
  const short = knn <= 8 && n >= 16;
  const long = !short && knn <= 32 && n >= 32;
  if ((short || long) && !nanAmongFirst(sub, knn)) {
    const done = short
      ? shortTopK(sub, n, knn, floor16(sub, n, knn, scratch), scratch, scores, ids)
      : subTopKAtLeast(sub, n, floor32(sub, n, knn, scratch), knn, scores, ids);
    if (done) return;
  }
  subTopK(sub, n, knn, scores, ids);
}

/** (score, slot) ranks before the merged list's entry at `at`: higher score, or equal and lower slot. */
function beats(score: f32, slot: i32, scores: usize, slots: usize, at: i32): bool {
  const s = load<f32>(scores + ((<usize>at) << 2));
  return score > s || (score === s && slot < load<i32>(slots + ((<usize>at) << 2)));
}

/** Merges the halves' lists (a, b) into the k best slots of one (row, head), written at out. */
export function mergeHalves(
  aS: usize,
  aI: usize,
  bS: usize,
  bI: usize,
  mS: usize,
  mI: usize,
  knn: i32,
  nKeys: i32,
  outScores: usize,
  outSlots: usize,
): void {
  const last = knn - 1;
  let count = 0;
  for (let r = 0; r < knn; r++) {
    const a = load<f32>(aS + ((<usize>r) << 2));
    const rowBase = load<i32>(aI + ((<usize>r) << 2)) * nKeys;
    if (count === knn && a + load<f32>(bS) < load<f32>(mS + ((<usize>last) << 2))) break;
    const width = knn / (r + 1);
    for (let c = 0; c < width; c++) {
      const score: f32 = a + load<f32>(bS + ((<usize>c) << 2));
      const slot = rowBase + load<i32>(bI + ((<usize>c) << 2));
      if (count === knn) {
        if (score < load<f32>(mS + ((<usize>last) << 2))) break;
        if (!beats(score, slot, mS, mI, last)) continue;
      }
      let at = count < knn ? count++ : last;
      while (at > 0 && beats(score, slot, mS, mI, at - 1)) {
        store<f32>(mS + ((<usize>at) << 2), load<f32>(mS + ((<usize>(at - 1)) << 2)));
        store<i32>(mI + ((<usize>at) << 2), load<i32>(mI + ((<usize>(at - 1)) << 2)));
        at--;
      }
      store<f32>(mS + ((<usize>at) << 2), score);
      store<i32>(mI + ((<usize>at) << 2), slot);
    }
  }
  memory.copy(outScores, mS, (<usize>knn) << 2);
  memory.copy(outSlots, mI, (<usize>knn) << 2);
}

/** Scratch bytes productTopK needs (the JS side allocates exactly this). */
export function productTopKScratch(knn: i32): i32 {
  return 4 * 6 * knn + BLOCK_TOPK_SCRATCH;
}

/**
 * blocks: 2·heads pointers (i32) to the sub-key scores [rows, nKeys] of (head h, half), at h·2 +
 * half. Writes every (row, head)'s selection to slots / scores [rows, heads, knn], best first.
 * scratch: productTopKScratch(knn) bytes, for the lists and the group maxima.
 */
export function productTopK(
  blocks: usize,
  heads: i32,
  rows: i32,
  nKeys: i32,
  knn: i32,
  slots: usize,
  scores: usize,
  scratch: usize,
): void {
  const list = (<usize>knn) << 2;
  const aS = scratch;
  const aI = aS + list;
  const bS = aI + list;
  const bI = bS + list;
  const mS = bI + list;
  const mI = mS + list;
  const maxima = mI + list;
  const rowBytes = (<usize>nKeys) << 2;
  for (let row = 0; row < rows; row++) {
    for (let h = 0; h < heads; h++) {
      const a = <usize>load<i32>(blocks + ((<usize>(2 * h)) << 2)) + <usize>row * rowBytes;
      const b = <usize>load<i32>(blocks + ((<usize>(2 * h + 1)) << 2)) + <usize>row * rowBytes;
      blockTopK(a, nKeys, knn, maxima, aS, aI);
      blockTopK(b, nKeys, knn, maxima, bS, bI);
      const out = (<usize>(row * heads + h) * <usize>knn) << 2;
      mergeHalves(aS, aI, bS, bI, mS, mI, knn, nKeys, scores + out, slots + out);
    }
  }
}
