// The product-key top-k (../../cpu/productTopK.ts's algorithm, decision for decision, so the
// selection is the same bit for bit) with the sub-key scan in SIMD: once a half's list is full,
// four scores are tested against its k-th in one compare, and nearly every group of four is
// rejected whole. Lists live in scratch: per (row, head) each half's k (score, id) pairs and the
// merged k; and per block the two floors guessed from its previous row (float64, as in the JS).

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

/** The largest float32 ≤ x (x not NaN): a float32 below it is surely below x. */
function f32AtOrBelow(x: f64): f32 {
  const r = <f32>x;
  if (<f64>r <= x) return r;
  const bits = reinterpret<i32>(r);
  return reinterpret<f32>(r > 0 ? bits - 1 : r === 0 ? 0x80000001 : bits + 1);
}

/**
 * subTopK over the scores ≥ floor alone; false when fewer than k reach it or a NaN comes first.
 * Four scores are skipped at once when all are below the floor (rounded down to float32, so no
 * skipped score reaches it, and a NaN is never skipped); the others go one by one.
 */
function subTopKAbove(sub: usize, n: i32, floor: f64, knn: i32, scores: usize, ids: usize): bool {
  const below = f32x4.splat(f32AtOrBelow(floor));
  let p = 0;
  let count = 0;
  while (p < n && count < knn) {
    if (p + 4 <= n && i32x4.all_true(f32x4.lt(v128.load(sub + ((<usize>p) << 2)), below))) {
      p += 4;
      continue;
    }
    const v = load<f32>(sub + ((<usize>p) << 2));
    p++;
    if (<f64>v < floor) continue;
    if (isNaN(v)) return false;
    insertFrom(v, p - 1, count++, scores, ids);
  }
  if (count < knn) return false;
  scanAbove(sub, p, n, knn, scores, ids);
  return true;
}

/** How many of sub[0 .. n) are ≥ t (a NaN never is), four compares at a time. */
function countAtLeast(sub: usize, n: i32, t: f32): i32 {
  const at = f32x4.splat(t);
  let lanes = i32x4.splat(0);
  let p = 0;
  for (; p + 4 <= n; p += 4) lanes = i32x4.sub(lanes, f32x4.ge(v128.load(sub + ((<usize>p) << 2)), at));
  let count =
    i32x4.extract_lane(lanes, 0) +
    i32x4.extract_lane(lanes, 1) +
    i32x4.extract_lane(lanes, 2) +
    i32x4.extract_lane(lanes, 3);
  for (; p < n; p++) if (load<f32>(sub + ((<usize>p) << 2)) >= t) count++;
  return count;
}

/**
 * One block's list for one row, from the block's previous row: its k-th best is a tight floor
 * (taken when a SIMD count finds k scores at or above it: then nearly only the top k get
 * inserted), else the k-th less the best-to-k-th gap, else the whole scan. Each floor gives the
 * same list (subTopKAbove); they differ in how many insertions, and mispredicted branches, it takes.
 * floorAt: two doubles, the tight floor then the loose one.
 */
export function blockTopK(sub: usize, n: i32, floorAt: usize, knn: i32, scores: usize, ids: usize): void {
  const tight = load<f64>(floorAt);
  const loose = load<f64>(floorAt, 8);
  let done = false;
  if (tight > -Infinity && countAtLeast(sub, n, <f32>tight) >= knn)
    done = subTopKAbove(sub, n, tight, knn, scores, ids);
  if (!done && loose > -Infinity) done = subTopKAbove(sub, n, loose, knn, scores, ids);
  if (!done) subTopK(sub, n, knn, scores, ids);
  const kth = <f64>load<f32>(scores + ((<usize>(knn - 1)) << 2));
  store<f64>(floorAt, kth);
  store<f64>(floorAt, 2.0 * kth - <f64>load<f32>(scores), 8);
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
 * scratch: 6·knn floats for the lists, then 4·heads doubles for the floors.
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
  for (let b = 0; b < 4 * heads; b++) store<f64>(floors + ((<usize>b) << 3), -Infinity);
  const rowBytes = (<usize>nKeys) << 2;
  for (let row = 0; row < rows; row++) {
    for (let h = 0; h < heads; h++) {
      const a = <usize>load<i32>(blocks + ((<usize>(2 * h)) << 2)) + <usize>row * rowBytes;
      const b = <usize>load<i32>(blocks + ((<usize>(2 * h + 1)) << 2)) + <usize>row * rowBytes;
      blockTopK(a, nKeys, floors + ((<usize>(2 * h)) << 4), knn, aS, aI);
      blockTopK(b, nKeys, floors + ((<usize>(2 * h + 1)) << 4), knn, bS, bI);
      const out = (<usize>(row * heads + h) * <usize>knn) << 2;
      mergeHalves(aS, aI, bS, bI, mS, mI, knn, nKeys, scores + out, slots + out);
    }
  }
}
