// GELU (the tanh form, as x·σ(z) with z = GELU_SCALE·(x + GELU_CUBIC·x³); see ../../geluKernels.ts)
// over f32x4 lanes, with exp from a polynomial: no scalar exp call per element. Past |x| > 10 the
// exact limits x and 0 (derivative 1 and 0); NaN propagates (comparisons with NaN are false).

import { expNonPositive } from './exp';

const SATURATION: f32 = 10;
const SCALE: f32 = 1.5957691216057308; // 2·sqrt(2/π)
const CUBIC: f32 = 0.044715;
/** z = SCALE·(x + CUBIC·x³), given x and x². */
function geluArgument(v: v128, v2: v128): v128 {
  return f32x4.mul(f32x4.splat(SCALE), f32x4.add(v, f32x4.mul(f32x4.splat(CUBIC), f32x4.mul(v, v2))));
}

/** 1/(1 + e) for e = exp(−|z|): σ(z) for z ≥ 0, 1 − σ(z) below. */
function reciprocalOnePlus(e: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e));
}

/** σ(z) from e = exp(−|z|) and r = 1/(1 + e): r for z ≥ 0, e·r below (no 1 − r cancellation). */
function sigmoid(z: v128, e: v128, r: v128): v128 {
  return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(z, f32x4.splat(0)));
}

/** `inside` where |x| ≤ SATURATION (or x is NaN), `above` where x > it, `below` where x < −it. */
function saturated(v: v128, inside: v128, above: v128, below: v128): v128 {
  const high = v128.bitselect(above, inside, f32x4.gt(v, f32x4.splat(SATURATION)));
  return v128.bitselect(below, high, f32x4.lt(v, f32x4.splat(-SATURATION)));
}

/** gelu of four floats. */
function geluOf(v: v128): v128 {
  const z = geluArgument(v, f32x4.mul(v, v));
  const e = expNonPositive(f32x4.neg(f32x4.abs(z)));
  return saturated(v, f32x4.mul(v, sigmoid(z, e, reciprocalOnePlus(e))), v, f32x4.splat(0));
}

/**
 * gelu'(x) of four floats: σ(z) + x·σ(z)(1 − σ(z))·SCALE·(1 + 3·CUBIC·x²), where σ(1 − σ) = e·r²
 * on both sides of 0; 1 and 0 past saturation.
 */
function geluSlopeOf(v: v128): v128 {
  const v2 = f32x4.mul(v, v);
  const z = geluArgument(v, v2);
  const e = expNonPositive(f32x4.neg(f32x4.abs(z)));
  const r = reciprocalOnePlus(e);
  const slope = f32x4.mul(
    f32x4.splat(SCALE),
    f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.splat(3 * CUBIC), v2)),
  );
  const d = f32x4.add(sigmoid(z, e, r), f32x4.mul(f32x4.mul(v, f32x4.mul(e, f32x4.mul(r, r))), slope));
  return saturated(v, d, f32x4.splat(1), f32x4.splat(0));
}

/** y = gelu(x) for n floats: four at a time, the last n % 4 one by one (nothing past the end is touched). */
export function gelu(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = (<usize>i) << 2;
    v128.store(y + at, geluOf(v128.load(x + at)));
  }
  for (; i < n; i++) {
    const at = (<usize>i) << 2;
    store<f32>(y + at, f32x4.extract_lane(geluOf(f32x4.splat(load<f32>(x + at))), 0));
  }
}

/** dx = dy·gelu'(x) for n floats, as gelu. */
export function geluGrad(dy: usize, x: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = (<usize>i) << 2;
    v128.store(dx + at, f32x4.mul(v128.load(dy + at), geluSlopeOf(v128.load(x + at))));
  }
  for (; i < n; i++) {
    const at = (<usize>i) << 2;
    const d = f32x4.extract_lane(geluSlopeOf(f32x4.splat(load<f32>(x + at))), 0);
    store<f32>(dx + at, load<f32>(dy + at) * d);
  }
}
