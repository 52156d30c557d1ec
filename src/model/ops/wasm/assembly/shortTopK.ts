// A half's top-k for k ≤ 8 with no data-dependent branch per insertion: the list is eight
// (score, id) lanes in four SIMD registers, sorted by score descending, and a score goes in by
// compare, shuffle and select (its place is the first lane it strictly beats, so an equal score
// stays behind an earlier one, as productTopK.ts's insertFrom keeps it). Only the scores at or
// above the row's floor (groupFloor.ts) are offered: about ten at 512 sub-keys.

import { passMask } from './scoreMasks';

/**
 * The top knn (≤ 8) of sub[0 .. n) by score desc, then lower index, into scores/ids, given a
 * floor the knn-th best reaches and no NaN among the first knn (the caller, productTopK.ts's
 * blockTopK, sees to both); false, writing nothing, when the floor is not finite. Every score ≥
 * the floor is offered in index order, which gives the list a scan of the whole row gives; above
 * a finite floor, knn real scores displace every −∞ the list starts with. scratch: 64 bytes.
 */
export function shortTopK(
  sub: usize,
  n: i32,
  knn: i32,
  floor: f32,
  scratch: usize,
  scores: usize,
  ids: usize,
): bool {
  if (!(floor > -Infinity)) return false;
  const at = f32x4.splat(floor);
  let list0 = f32x4.splat(-Infinity);
  let list1 = f32x4.splat(-Infinity);
  let ids0 = i32x4.splat(0);
  let ids1 = i32x4.splat(0);
  let p = 0;
  let base = 0;
  let mask = 0;
  for (;;) {
    if (mask === 0) {
      if (p + 16 <= n) {
        mask = passMask(sub + ((<usize>p) << 2), at, false);
        base = p;
        p += 16;
      } else if (p < n) {
        mask = i32(load<f32>(sub + ((<usize>p) << 2)) >= floor);
        base = p;
        p++;
      } else break;
      continue;
    }
    const q = base + ctz<i32>(mask);
    mask &= mask - 1;
    // (v, q) in: lanes it beats move down one (the last drops out), lane i taking lane i − 1's
    // entry when v beats that too (lane 0 never does).
    const v = f32x4.splat(load<f32>(sub + ((<usize>q) << 2)));
    const id = i32x4.splat(q);
    const beat0 = f32x4.gt(v, list0);
    const beat1 = f32x4.gt(v, list1);
    const move0 = v128.shuffle<i32>(i32x4.splat(0), beat0, 0, 4, 5, 6);
    const move1 = v128.shuffle<i32>(beat0, beat1, 3, 4, 5, 6);
    const up0 = v128.shuffle<f32>(list0, list0, 0, 0, 1, 2);
    const up1 = v128.shuffle<f32>(list0, list1, 3, 4, 5, 6);
    const upIds0 = v128.shuffle<i32>(ids0, ids0, 0, 0, 1, 2);
    const upIds1 = v128.shuffle<i32>(ids0, ids1, 3, 4, 5, 6);
    list0 = v128.bitselect(up0, v128.bitselect(v, list0, beat0), move0);
    list1 = v128.bitselect(up1, v128.bitselect(v, list1, beat1), move1);
    ids0 = v128.bitselect(upIds0, v128.bitselect(id, ids0, beat0), move0);
    ids1 = v128.bitselect(upIds1, v128.bitselect(id, ids1, beat1), move1);
  }
  v128.store(scratch, list0);
  v128.store(scratch, list1, 16);
  v128.store(scratch, ids0, 32);
  v128.store(scratch, ids1, 48);
  memory.copy(scores, scratch, (<usize>knn) << 2);
  memory.copy(ids, scratch + 32, (<usize>knn) << 2);
  return true;
}
