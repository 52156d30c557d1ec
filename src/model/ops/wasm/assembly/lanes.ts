// Lane moves shared by the kernels: four float32 lanes to and from two float64x2 halves (for
// kernels that compute in float64, to round once as the JS loops they replace do, and store
// float32), the largest of four lanes, and eight accumulators stored side by side.

/** The float32 lanes 2 and 3 of v widened to float64. */
export function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

/** Four float32 lanes from two float64x2 halves, each rounded once (low half first). */
export function demoteTwo(low: v128, high: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 1, 4, 5);
}

/** Eight vectors stored at p, p + 16, … p + 112 (eight accumulators' worth of lanes). */
export function storeEight(
  p: usize,
  a0: v128,
  a1: v128,
  a2: v128,
  a3: v128,
  a4: v128,
  a5: v128,
  a6: v128,
  a7: v128,
): void {
  v128.store(p, a0);
  v128.store(p, a1, 16);
  v128.store(p, a2, 32);
  v128.store(p, a3, 48);
  v128.store(p, a4, 64);
  v128.store(p, a5, 80);
  v128.store(p, a6, 96);
  v128.store(p, a7, 112);
}

/** The largest of v's four float32 lanes (by pmax: for lanes that are numbers). */
export function laneMax(v: v128): f32 {
  const halves = f32x4.pmax(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.pmax(halves, v128.shuffle<f32>(halves, halves, 1, 0, 3, 2)), 0);
}
