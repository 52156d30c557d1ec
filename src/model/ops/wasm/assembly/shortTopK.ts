// A half's top-k for k ≤ 8 with no data-dependent branch per insertion: the list is eight
// (score, id) lanes in four SIMD registers, sorted by score descending, and a score goes in by
// compare, shuffle and select (its place is the first lane it strictly beats, so an equal score
// stays behind an earlier one, as productTopK.ts's insertFrom keeps it). Only the scores at or
// above a floor from the row's own 16 group maxima are offered: about ten at 512 sub-keys.

import { passMask } from './scoreMasks';

/**
 * The floor: the knn-th largest of the 16 group maxima (group j: the scores at 16·i + j, over
 * the whole blocks of 16), found by counting for each maximum the maxima at or above it. Those
 * knn maxima are knn distinct scores, so the knn best scores reach it too. pmax is one
 * instruction (max's NaN rules are several) and always returns one of its operands, so every
 * maximum is a score of the row; a NaN maximum is never counted. −∞ when fewer than knn are
 * usable. scratch: 64 bytes.
 */
function groupFloor(sub: usize, n: i32, knn: i32, scratch: usize): f32 {
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
  let c0 = i32x4.splat(0);
  let c1 = i32x4.splat(0);
  let c2 = i32x4.splat(0);
  let c3 = i32x4.splat(0);
  for (let j = 0; j < 16; j++) {
    const s = v128.load32_splat(scratch + ((<usize>j) << 2));
    c0 = i32x4.sub(c0, f32x4.le(m0, s));
    c1 = i32x4.sub(c1, f32x4.le(m1, s));
    c2 = i32x4.sub(c2, f32x4.le(m2, s));
    c3 = i32x4.sub(c3, f32x4.le(m3, s));
  }
  // The largest maximum with knn maxima at or above it is the knn-th largest.
  const k = i32x4.splat(knn);
  const none = f32x4.splat(-Infinity);
  const f = f32x4.pmax(
    f32x4.pmax(v128.bitselect(m0, none, i32x4.ge_s(c0, k)), v128.bitselect(m1, none, i32x4.ge_s(c1, k))),
    f32x4.pmax(v128.bitselect(m2, none, i32x4.ge_s(c2, k)), v128.bitselect(m3, none, i32x4.ge_s(c3, k))),
  );
  const g = f32x4.pmax(f, v128.shuffle<f32>(f, f, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.pmax(g, v128.shuffle<f32>(g, g, 1, 0, 3, 2)), 0);
}

/**
 * The top knn (≤ 8) of sub[0 .. n) (n ≥ 16) by score desc, then lower index, into scores/ids;
 * false, writing nothing, when the caller must scan instead: a NaN among the first eight scores
 * (the one place a scan keeps a NaN: it takes its first knn unseen), or no finite floor. Every
 * score ≥ the floor is offered in index order, which gives the list a scan of the whole row
 * gives; above a finite floor, knn real scores displace every −∞ the list starts with.
 */
export function shortTopK(sub: usize, n: i32, knn: i32, scratch: usize, scores: usize, ids: usize): bool {
  const head0 = v128.load(sub);
  const head1 = v128.load(sub, 16);
  if (v128.any_true(v128.or(f32x4.ne(head0, head0), f32x4.ne(head1, head1)))) return false;
  const floor = groupFloor(sub, n, knn, scratch);
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
