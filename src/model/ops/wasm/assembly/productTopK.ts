// The product-key top-k (../../cpu/productTopK.ts's algorithm, decision for decision, so the
// selection is the same bit for bit) with the sub-key scan in SIMD: once a half's list is full,
// four scores are tested against its k-th in one compare, and nearly every group of four is
// rejected whole. Lists live in scratch: per (row, head) each half's k (score, id) pairs and the
// merged k; and per block the floor guessed from its previous row (float64, as in the JS).

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
  for (; p + 4 <= end; p += 4) {
    if (!v128.any_true(f32x4.gt(v128.load(sub + ((<usize>p) << 2)), f32x4.splat(kth)))) continue;
    for (let q = p; q < p + 4; q++) {
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

/** subTopK over the scores ≥ floor alone; false when fewer than k reach it or a NaN comes first. */
function subTopKAbove(sub: usize, n: i32, floor: f64, knn: i32, scores: usize, ids: usize): bool {
  let p = 0;
  let count = 0;
  for (; p < n && count < knn; p++) {
    const v = load<f32>(sub + ((<usize>p) << 2));
    if (<f64>v < floor) continue;
    if (isNaN(v)) return false;
    insertFrom(v, p, count++, scores, ids);
  }
  if (count < knn) return false;
  scanAbove(sub, p, n, knn, scores, ids);
  return true;
}

/** One block's list for one row, and the floor for its next row (k-th less the best-to-k-th gap). */
export function blockTopK(sub: usize, n: i32, floorAt: usize, knn: i32, scores: usize, ids: usize): void {
  const floor = load<f64>(floorAt);
  if (!(floor > -Infinity && subTopKAbove(sub, n, floor, knn, scores, ids)))
    subTopK(sub, n, knn, scores, ids);
  store<f64>(floorAt, 2.0 * <f64>load<f32>(scores + ((<usize>(knn - 1)) << 2)) - <f64>load<f32>(scores));
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

/**
 * blocks: 2·heads pointers (i32) to the sub-key scores [rows, nKeys] of (head h, half), at h·2 +
 * half. Writes every (row, head)'s selection to slots / scores [rows, heads, knn], best first.
 * scratch: 6·knn floats for the lists, then 2·heads doubles for the floors.
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
  const floors = mI + list;
  for (let b = 0; b < 2 * heads; b++) store<f64>(floors + ((<usize>b) << 3), -Infinity);
  const rowBytes = (<usize>nKeys) << 2;
  for (let row = 0; row < rows; row++) {
    for (let h = 0; h < heads; h++) {
      const a = <usize>load<i32>(blocks + ((<usize>(2 * h)) << 2)) + <usize>row * rowBytes;
      const b = <usize>load<i32>(blocks + ((<usize>(2 * h + 1)) << 2)) + <usize>row * rowBytes;
      blockTopK(a, nKeys, floors + ((<usize>(2 * h)) << 3), knn, aS, aI);
      blockTopK(b, nKeys, floors + ((<usize>(2 * h + 1)) << 3), knn, bS, bI);
      const out = (<usize>(row * heads + h) * <usize>knn) << 2;
      mergeHalves(aS, aI, bS, bI, mS, mI, knn, nKeys, scores + out, slots + out);
    }
  }
}
