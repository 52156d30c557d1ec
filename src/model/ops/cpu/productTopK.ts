/**
 * The product-key selection over plain typed arrays, shared by the cpu and wasm kernels (the wasm
 * kernel passes views of the wasm heap). One (query row, head) at a time:
 *
 * 1. each half's top-k of its n sub-key scores, by score descending, lower sub-key index first on
 *    ties (the order tf.topk gives): an insertion into a sorted list of k, scanning indices upward,
 *    so an equal score never passes an earlier one (over the scores above a floor where that
 *    provably gives the same list: subTopKAbove);
 * 2. the merge: the rank pairs (r, s) with (r + 1)(s + 1) ≤ k, scored fl32(a_r + b_s), slot
 *    i_r·n + j_s, inserted into a sorted list of k under (score desc, slot asc) — the total order
 *    the reference's slot-ordered, tie-stable tf.topk produces over the same candidates, so the
 *    result is the same bit for bit, float rounding included.
 *
 * Why not a heap frontier that pops k times: rounding can make fl(a_r' + b_s') equal fl(a_r + b_s)
 * for a dominating pair (r' ≤ r, s' ≤ s) with a larger slot id, and a frontier would emit the
 * dominating pair first where the reference (and the brute force) emit the lower slot id. The
 * scan below is as cheap: rows and columns are visited in rank order, and since scores only fall
 * along a row (and along the first column), a row stops at the first score below the current k-th,
 * and the scan stops at the first row whose best score is below it.
 */

/**
 * Scratch lists for one (row, head), allocated once per kernel call: each half's list and the
 * merged one, copied out when done. Plain arrays rather than typed ones: once any ArrayBuffer in
 * the process has been detached (the wasm heap's growth does that), V8 checks every typed-array
 * access, and these lists are read and written on every insertion. They hold float32 values and
 * int32 ids exactly.
 */
interface TopKScratch {
  aScores: number[];
  aIds: number[];
  bScores: number[];
  bIds: number[];
  mScores: number[];
  mSlots: number[];
}

const doubles = (n: number) => Array.from({ length: n }, () => 0.5);
const ints = (n: number) => Array.from({ length: n }, () => 0);

function topKScratch(knn: number): TopKScratch {
  return {
    aScores: doubles(knn),
    aIds: ints(knn),
    bScores: doubles(knn),
    bIds: ints(knn),
    mScores: doubles(knn),
    mSlots: ints(knn),
  };
}

/**
 * Top-k of sub[base .. base + n) into (scores, ids), by score desc, then lower index: the first k
 * sorted by insertion, then the rest scanned (scanAbove).
 */
function subTopK(sub: Float32Array, base: number, n: number, scores: number[], ids: number[]): void {
  const knn = scores.length;
  for (let i = 0; i < knn; i++) insertFrom(sub[base + i], i, i, scores, ids);
  scanAbove(sub, base, base + knn, base + n, scores, ids);
}

/**
 * The rest of a full list's scan, sub[from .. end): a score enters only when strictly above the
 * current k-th, kept in a local. Scores are tested four at a time first (at large n nearly every
 * group of four is rejected whole); a group that passes is taken in index order, so ties keep the
 * lower index exactly as a one-by-one scan does.
 */
function scanAbove(
  sub: Float32Array,
  base: number,
  from: number,
  end: number,
  scores: number[],
  ids: number[],
): void {
  const knn = scores.length;
  let kth = scores[knn - 1];
  let p = from;
  for (; p + 4 <= end; p += 4) {
    if (!(sub[p] > kth || sub[p + 1] > kth || sub[p + 2] > kth || sub[p + 3] > kth)) continue;
    for (let q = p; q < p + 4; q++) {
      const v = sub[q];
      if (!(v > kth)) continue;
      insertFrom(v, q - base, knn - 1, scores, ids);
      kth = scores[knn - 1];
    }
  }
  for (; p < end; p++) {
    const v = sub[p];
    if (!(v > kth)) continue;
    insertFrom(v, p - base, knn - 1, scores, ids);
    kth = scores[knn - 1];
  }
}

/**
 * subTopK over the scores ≥ `floor` alone, in index order; false (lists unusable) when fewer than
 * k scores reach the floor or a NaN turns up before k did. Why the same list: with k scores
 * ≥ floor, the k-th best is ≥ floor, so every member of the top k passes; and the loop's list is
 * the top k, by (score desc, index asc), of whatever run it is given that holds them all. Fewer
 * scores get inserted (each insertion costs mispredicted branches), the more the closer the floor
 * is to the k-th best. A NaN among the first k would sit in subTopK's list; those rows go there.
 */
function subTopKAbove(
  sub: Float32Array,
  base: number,
  n: number,
  floor: number,
  scores: number[],
  ids: number[],
): boolean {
  const knn = scores.length;
  const end = base + n;
  let p = base;
  let count = 0;
  for (; p < end && count < knn; p++) {
    const v = sub[p];
    if (v < floor) continue;
    if (Number.isNaN(v)) return false;
    insertFrom(v, p - base, count++, scores, ids);
  }
  if (count < knn) return false;
  scanAbove(sub, base, p, end, scores, ids);
  return true;
}

/** How many of sub[base .. base + n) are ≥ t (a NaN never is). */
function countAtLeast(sub: Float32Array, base: number, n: number, t: number): number {
  let count = 0;
  for (let p = base; p < base + n; p++) if (sub[p] >= t) count++;
  return count;
}

/**
 * One block's list for one row, from the block's previous row (sub-key scores of successive
 * queries spread alike): its k-th best is a tight floor, taken when k scores reach it (then
 * nearly only the top k get inserted); else its k-th best less the gap from its best to its
 * k-th; else the plain loop. Any floor gives the same list (subTopKAbove); they differ in how
 * many insertions it takes. floors: per block, the tight floor then the loose one.
 */
function blockTopK(
  sub: Float32Array,
  base: number,
  n: number,
  floors: number[],
  block: number,
  scores: number[],
  ids: number[],
): void {
  const knn = scores.length;
  const tight = floors[2 * block];
  const loose = floors[2 * block + 1];
  let done = false;
  if (tight > Number.NEGATIVE_INFINITY && countAtLeast(sub, base, n, tight) >= knn)
    done = subTopKAbove(sub, base, n, tight, scores, ids);
  if (!done && loose > Number.NEGATIVE_INFINITY) done = subTopKAbove(sub, base, n, loose, scores, ids);
  if (!done) subTopK(sub, base, n, scores, ids);
  floors[2 * block] = scores[knn - 1];
  floors[2 * block + 1] = 2 * scores[knn - 1] - scores[0];
}

/** Puts (v, id) at `at` (the list's free or evicted end), moved up past every strictly lower score. */
function insertFrom(v: number, id: number, at: number, scores: number[], ids: number[]): void {
  let i = at;
  while (i > 0 && v > scores[i - 1]) {
    scores[i] = scores[i - 1];
    ids[i] = ids[i - 1];
    i--;
  }
  scores[i] = v;
  ids[i] = id;
}

/** (score, slot) ranks before the list's entry at `at`: higher score, or equal and lower slot. */
function beats(score: number, slot: number, scores: number[], slots: number[], at: number): boolean {
  return score > scores[at] || (score === scores[at] && slot < slots[at]);
}

/**
 * Merges the two halves' top-k lists of one (row, head) into its k best slots, written at
 * scores/slots[out .. out + knn).
 */
function mergeHalves(
  s: TopKScratch,
  nKeys: number,
  scores: Float32Array,
  slots: Int32Array,
  out: number,
): void {
  const knn = s.aScores.length;
  const outScores = s.mScores;
  const outSlots = s.mSlots;
  const last = knn - 1;
  let count = 0;
  for (let r = 0; r < knn; r++) {
    const a = s.aScores[r];
    const rowBase = s.aIds[r] * nKeys;
    if (count === knn && Math.fround(a + s.bScores[0]) < outScores[last]) break;
    const width = Math.floor(knn / (r + 1));
    for (let c = 0; c < width; c++) {
      // a + b in float64 is exact for two float32s; fround then rounds once, like a float32 add.
      const score = Math.fround(a + s.bScores[c]);
      const slot = rowBase + s.bIds[c];
      if (count === knn) {
        if (score < outScores[last]) break;
        if (!beats(score, slot, outScores, outSlots, last)) continue;
      }
      let at = count < knn ? count++ : knn - 1;
      while (at > 0 && beats(score, slot, outScores, outSlots, at - 1)) {
        outScores[at] = outScores[at - 1];
        outSlots[at] = outSlots[at - 1];
        at--;
      }
      outScores[at] = score;
      outSlots[at] = slot;
    }
  }
  for (let i = 0; i < knn; i++) {
    scores[out + i] = outScores[i];
    slots[out + i] = outSlots[i];
  }
}

/**
 * blocks: sub-key scores, one [rows, nKeys] array per (head, half), at h·2 + half. Writes the
 * selection of every (row, head) to slots / scores [rows, heads, knn], best first.
 */
export function productTopK(
  blocks: Float32Array[],
  heads: number,
  rows: number,
  nKeys: number,
  knn: number,
  slots: Int32Array,
  scores: Float32Array,
): void {
  const s = topKScratch(knn);
  const floors = Array.from({ length: heads * 4 }, () => Number.NEGATIVE_INFINITY);
  for (let row = 0; row < rows; row++) {
    for (let h = 0; h < heads; h++) {
      blockTopK(blocks[h * 2], row * nKeys, nKeys, floors, h * 2, s.aScores, s.aIds);
      blockTopK(blocks[h * 2 + 1], row * nKeys, nKeys, floors, h * 2 + 1, s.bScores, s.bIds);
      mergeHalves(s, nKeys, scores, slots, (row * heads + h) * knn);
    }
  }
}
