// The sum of squares of one float32 tensor in float64: each square exact (a float32 product fits
// a float64), summed in eight float64 lanes (element i into lane i mod 8: four f64x2
// accumulators, so the adds do not wait on one another), the lanes then added in a fixed order
// and the tail in index order. More accurate than the reference's float32 chain (tfjs's Square,
// then tfjs-wasm's Sum, a C++ float loop) and ~4× faster, as one dependent float32 chain cannot
// take lanes; so it matches the reference to float32 rounding, not bit for bit.

export function sumSquares(x: usize, n: i32): f64 {
  let a0 = f64x2.splat(0);
  let a1 = a0;
  let a2 = a0;
  let a3 = a0;
  const whole = n & ~7;
  for (let i = 0; i < whole; i += 8) {
    const p = x + ((<usize>i) << 2);
    const u = v128.load(p);
    const w = v128.load(p, 16);
    const u0 = f64x2.promote_low_f32x4(u);
    const u1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(u, u, 2, 3, 0, 1));
    const w0 = f64x2.promote_low_f32x4(w);
    const w1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(w, w, 2, 3, 0, 1));
    a0 = f64x2.add(a0, f64x2.mul(u0, u0));
    a1 = f64x2.add(a1, f64x2.mul(u1, u1));
    a2 = f64x2.add(a2, f64x2.mul(w0, w0));
    a3 = f64x2.add(a3, f64x2.mul(w1, w1));
  }
  const s = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
  let sum = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (let i = whole; i < n; i++) {
    const v = <f64>load<f32>(x + ((<usize>i) << 2));
    sum += v * v;
  }
  return sum;
}
