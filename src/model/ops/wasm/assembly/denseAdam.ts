// Dense Adam over many variables in place — src/model/ops/cpu/denseAdam.ts's denseAdamLoop operation
// for operation: each JS Math.fround(a op b) of float32 values is the float32 IEEE op, so float32x4
// lanes (and the scalar float32 tail) give the loop's bits, in its order:
//   g' = g·scale; m' = m·β1 + g'·(1 − β1); v' = v·β2 + (g'·g')·(1 − β2);
//   p' = p − (m' / (√v' + eps))·stepSize.
// The variables come as a table of `count` entries of five int32: the heap addresses of the
// variable, its gradient, m and v, then its length. control is [gradScale, apply] on the heap, read
// here (wasm ops run synchronously: it is already written); a masked step (apply not > 0, NaN
// included) writes nothing.

/** One variable's update: n floats, four at a time, the last n % 4 one by one. */
function update(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  scale: f32,
  beta1: f32,
  beta2: f32,
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  eps: f32,
  stepSize: f32,
): void {
  const s4 = f32x4.splat(scale);
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const a1 = f32x4.splat(oneMinusBeta1);
  const a2 = f32x4.splat(oneMinusBeta2);
  const e4 = f32x4.splat(eps);
  const k4 = f32x4.splat(stepSize);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    const gi = f32x4.mul(v128.load(g + o), s4);
    const mi = f32x4.add(f32x4.mul(v128.load(m + o), b1), f32x4.mul(gi, a1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + o), b2), f32x4.mul(f32x4.mul(gi, gi), a2));
    const step = f32x4.mul(f32x4.div(mi, f32x4.add(f32x4.sqrt(vi), e4)), k4);
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    v128.store(p + o, f32x4.sub(v128.load(p + o), step));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const gi: f32 = load<f32>(g + o) * scale;
    const mi: f32 = load<f32>(m + o) * beta1 + gi * oneMinusBeta1;
    const vi: f32 = load<f32>(v + o) * beta2 + gi * gi * oneMinusBeta2;
    const step: f32 = (mi / (sqrt<f32>(vi) + eps)) * stepSize;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, load<f32>(p + o) - step);
  }
}

/** The update of every variable in `table` (see above), or nothing on a masked step. */
export function denseAdam(
  table: usize,
  count: i32,
  control: usize,
  stepSize: f32,
  beta1: f32,
  beta2: f32,
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  eps: f32,
): void {
  if (!(load<f32>(control, 4) > 0)) return;
  const scale = load<f32>(control);
  for (let k = 0; k < count; k++) {
    const entry = table + <usize>k * 20;
    update(
      <usize>load<i32>(entry),
      <usize>load<i32>(entry, 4),
      <usize>load<i32>(entry, 8),
      <usize>load<i32>(entry, 12),
      load<i32>(entry, 16),
      scale,
      beta1,
      beta2,
      oneMinusBeta1,
      oneMinusBeta2,
      eps,
      stepSize,
    );
  }
}
