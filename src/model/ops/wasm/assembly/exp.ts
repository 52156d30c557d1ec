// exp over f32x4 lanes for arguments ≤ 0 (softmax's x − max, GELU's −|z|), shared by the kernels:
// no scalar exp call per element, and no lookup table in the module's data.

const LOG2E: f32 = <f32>Math.LOG2E;
// ln 2 split in two (Cody and Waite): n·LN2_HI is exact for the n used here.
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444e-4;

/**
 * exp(x) for x ≤ 0 in every lane, to ~1 float32 ulp: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6
 * polynomial for exp(r) (Cephes' expf coefficients) and 2^n put straight into the exponent bits.
 * x is clamped at −87 (exp = 1.6e−38, still a normal float32).
 */
export function expNonPositive(x: v128): v128 {
  x = f32x4.max(x, f32x4.splat(-87));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.98756915e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.39819995e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.33345191e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.16657959e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.66666655e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.00000012e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  const bits = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, bits);
}
