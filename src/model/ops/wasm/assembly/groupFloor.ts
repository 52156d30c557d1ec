// A floor a row's k-th best score surely reaches, from the row itself: the k-th largest of its
// group maxima. Those k maxima are k distinct scores at or above the floor, so the k best scores
// are too; with 16 or 32 groups it sits just below the k-th best (about the tenth best of 512
// scores at k = 8), so a scan over the scores at or above it inserts few. pmax is one
// instruction (max's NaN rules are several) and always returns one of its operands: every
// maximum is a score of the row, and a NaN maximum is never counted.

import { laneMax, storeEight } from './lanes';

/**
 * The knn-th largest of the `count` floats at `values` (count a multiple of 4): for each, how many
 * are at or above it, four at a time; the largest with knn at or above it is the knn-th. A NaN is
 * never counted; −∞ when fewer than knn are numbers.
 */
function kthLargest(values: usize, count: i32, knn: i32): f32 {
  const k = i32x4.splat(knn);
  const none = f32x4.splat(-Infinity);
  let best = none;
  for (let i = 0; i < count; i += 4) {
    const mine = v128.load(values + ((<usize>i) << 2));
    let atOrAbove = i32x4.splat(0);
    for (let j = 0; j < count; j++)
      atOrAbove = i32x4.sub(atOrAbove, f32x4.le(mine, v128.load32_splat(values + ((<usize>j) << 2))));
    best = f32x4.pmax(best, v128.bitselect(mine, none, i32x4.ge_s(atOrAbove, k)));
  }
  return laneMax(best);
}

/**
 * The floor over 16 groups (group j: the scores at 16·i + j, over the whole blocks of 16), for
 * knn ≤ 16 and n ≥ 16. scratch: 64 bytes.
 */
export function floor16(sub: usize, n: i32, knn: i32, scratch: usize): f32 {
  let m0 = v128.load(sub);
  let m1 = v128.load(sub, 16);
  let m2 = v128.load(sub, 32);
  let m3 = v128.load(sub, 48);
  for (let p = 16; p + 16 <= n; p += 16) {
    const at = sub + ((<usize>p) << 2);
    m0 = f32x4.pmax(m0, v128.load(at));
    m1 = f32x4.pmax(m1, v128.load(at, 16));
    m2 = f32x4.pmax(m2, v128.load(at, 32));
    m3 = f32x4.pmax(m3, v128.load(at, 48));
  }
  v128.store(scratch, m0);
  v128.store(scratch, m1, 16);
  v128.store(scratch, m2, 32);
  v128.store(scratch, m3, 48);
  return kthLargest(scratch, 16, knn);
}

/** The floor over 32 groups, for knn ≤ 32 and n ≥ 32. scratch: GROUP_FLOOR_SCRATCH bytes. */
export function floor32(sub: usize, n: i32, knn: i32, scratch: usize): f32 {
  let m0 = v128.load(sub);
  let m1 = v128.load(sub, 16);
  let m2 = v128.load(sub, 32);
  let m3 = v128.load(sub, 48);
  let m4 = v128.load(sub, 64);
  let m5 = v128.load(sub, 80);
  let m6 = v128.load(sub, 96);
  let m7 = v128.load(sub, 112);
  for (let p = 32; p + 32 <= n; p += 32) {
    const at = sub + ((<usize>p) << 2);
    m0 = f32x4.pmax(m0, v128.load(at));
    m1 = f32x4.pmax(m1, v128.load(at, 16));
    m2 = f32x4.pmax(m2, v128.load(at, 32));
    m3 = f32x4.pmax(m3, v128.load(at, 48));
    m4 = f32x4.pmax(m4, v128.load(at, 64));
    m5 = f32x4.pmax(m5, v128.load(at, 80));
    m6 = f32x4.pmax(m6, v128.load(at, 96));
    m7 = f32x4.pmax(m7, v128.load(at, 112));
  }
  storeEight(scratch, m0, m1, m2, m3, m4, m5, m6, m7);
  return kthLargest(scratch, 32, knn);
}

/** Scratch bytes either floor needs. */
export const GROUP_FLOOR_SCRATCH: i32 = 128;

/**
 * Whether a NaN is among the first knn scores, read four at a time (so up to three past them as
 * well, which only costs the plain scan): the one place a one-by-one scan keeps a NaN, as it
 * takes its first knn unseen. Elsewhere a NaN is never at or above a floor, and the scan passes
 * it over too. The row must hold knn rounded up to four.
 */
export function nanAmongFirst(sub: usize, knn: i32): bool {
  let nan = i32x4.splat(0);
  for (let i = 0; i < knn; i += 4) {
    const v = v128.load(sub + ((<usize>i) << 2));
    nan = v128.or(nan, f32x4.ne(v, v));
  }
  return v128.any_true(nan);
}
