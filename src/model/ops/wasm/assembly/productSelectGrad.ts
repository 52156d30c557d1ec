// The gradient of the product-key selection's selected scores — src/model/ops/cpu/productSelectGrad.ts's
// JS loop with the same bits. That loop's every update is, element by element, a Float32Array `+=`
// of a float32 product: dst = fl32(dst + g·src), the product exact in float64 (24 + 24 bits), the
// add in float64, rounded once to float32 (its groups of four slots keep dq in a Math.fround'ed
// register, which rounds where the store would). So each selected slot t of (row, head) with
// slot = i·n_keys + j, g = dy[row, head, t], makes four such updates over half = k_dim/2 columns:
//   dq[row, head, half 0] += g·keys[head, 0, i]    dq[row, head, half 1] += g·keys[head, 1, j]
//   dKeys[head, 0, i] += g·q[row, head, half 0]      dKeys[head, 1, j] += g·q[row, head, half 1]
// done here in float64x2 lanes (widen, multiply, add, narrow), slots in the loop's order (rows,
// then heads, then slots), so an element read by several slots — a key row selected again — gets
// its adds in the same order. No fused multiply-add: it would round once where the JS rounds twice.
// The float32 ↔ float64 conversions bound the speed, so two-float loads and stores stand in for
// shuffles, and slots go four at a time: each query pair is widened once for the four, dq stays
// in registers (rounded to float32 after each add, as a store would).
// Layouts: dy [rows, heads, knn], slots (int32) the same, q and dq [rows, heads, 2, half],
// keys and dKeys [heads, 2, nKeys, half]; half is any positive integer (a scalar last column when
// odd).

/** The two float32 at p widened to float64 (a 64-bit load, no shuffle). */
function widen(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** Stores x's two lanes rounded to float32 at p. */
function narrow(p: usize, x: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(x), 0);
}

/** x rounded to float32, kept as float64: where the JS loop's Math.fround rounds. */
function round32(x: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(x));
}

/** x + g·(the two float32 at p): the product exact, the add in float64. */
function mulAdd(x: v128, g: v128, p: usize): v128 {
  return f64x2.add(x, f64x2.mul(g, widen(p)));
}

/** The float32 pair at p += g·v (v a float64 pair): one slot's add to a key row's gradient. */
function addPair(p: usize, g: v128, v: v128): void {
  narrow(p, f64x2.add(widen(p), f64x2.mul(g, v)));
}

/**
 * The dq pair at `at` += g_t·(the key pair at k + r_t) for four slots t in order, rounded to float32
 * after each add (kept in registers between them, as the JS loop keeps it).
 */
function fourAdds(
  at: usize,
  k: usize,
  g0: v128,
  g1: v128,
  g2: v128,
  g3: v128,
  r0: usize,
  r1: usize,
  r2: usize,
  r3: usize,
): void {
  let x = mulAdd(widen(at), g0, k + r0);
  x = mulAdd(round32(x), g1, k + r1);
  x = mulAdd(round32(x), g2, k + r2);
  narrow(at, mulAdd(round32(x), g3, k + r3));
}

/** The float32 at dst += g·(the float32 at src), the same way, one column. */
function addOne(dst: usize, src: usize, g: f64): void {
  store<f32>(dst, <f32>(<f64>load<f32>(dst) + g * <f64>load<f32>(src)));
}

/** dst[c] = fl32(dst[c] + g·src[c]) for c < n: one slot's update of one row. */
function addScaled(dst: usize, src: usize, g: f64, n: i32): void {
  const gg = f64x2.splat(g);
  const whole = n & ~1;
  for (let c = 0; c < whole; c += 2) {
    const at = dst + ((<usize>c) << 2);
    narrow(at, mulAdd(widen(at), gg, src + ((<usize>c) << 2)));
  }
  if (whole < n) addOne(dst + ((<usize>whole) << 2), src + ((<usize>whole) << 2), g);
}

/** A slot's offset into its head's first sub-key block, or -1 outside [0, nKeys²). */
function rowOf(slot: u32, nKeys: u32): isize {
  return <u64>slot < <u64>nKeys * <u64>nKeys ? <isize>(slot / nKeys) : -1;
}

/**
 * Four slots of one (row, head), in order: dq (half 0 at dq, half 1 at dq + halfBytes) += g_t·key
 * rows, the key rows' gradients += g_t·q. a and b: the sub-key rows' byte offsets in their head's
 * keys (and dKeys) — a's in block 0, b's in block 1 — for slots t = 0..3.
 */
function fourSlots(
  dq: usize,
  q: usize,
  keys: usize,
  grads: usize,
  dy: usize,
  half: i32,
  a0: usize,
  a1: usize,
  a2: usize,
  a3: usize,
  b0: usize,
  b1: usize,
  b2: usize,
  b3: usize,
): void {
  const halfBytes = (<usize>half) << 2;
  const f0 = <f64>load<f32>(dy);
  const f1 = <f64>load<f32>(dy, 4);
  const f2 = <f64>load<f32>(dy, 8);
  const f3 = <f64>load<f32>(dy, 12);
  const g0 = f64x2.splat(f0);
  const g1 = f64x2.splat(f1);
  const g2 = f64x2.splat(f2);
  const g3 = f64x2.splat(f3);
  const whole = half & ~1;
  for (let c = 0; c < whole; c += 2) {
    const off = (<usize>c) << 2;
    const x = dq + off;
    const y = x + halfBytes;
    const k = keys + off;
    fourAdds(x, k, g0, g1, g2, g3, a0, a1, a2, a3);
    fourAdds(y, k, g0, g1, g2, g3, b0, b1, b2, b3);
    const qa = widen(q + off);
    const qb = widen(q + off + halfBytes);
    const d = grads + off;
    addPair(d + a0, g0, qa);
    addPair(d + b0, g0, qb);
    addPair(d + a1, g1, qa);
    addPair(d + b1, g1, qb);
    addPair(d + a2, g2, qa);
    addPair(d + b2, g2, qb);
    addPair(d + a3, g3, qa);
    addPair(d + b3, g3, qb);
  }
  if (whole < half) {
    // The odd last column, slot by slot (rounding each add as the loop's registers do).
    const c = (<usize>whole) << 2;
    const x = dq + c;
    const y = x + halfBytes;
    addOne(x, keys + a0 + c, f0);
    addOne(y, keys + b0 + c, f0);
    addOne(grads + a0 + c, q + c, f0);
    addOne(grads + b0 + c, q + halfBytes + c, f0);
    addOne(x, keys + a1 + c, f1);
    addOne(y, keys + b1 + c, f1);
    addOne(grads + a1 + c, q + c, f1);
    addOne(grads + b1 + c, q + halfBytes + c, f1);
    addOne(x, keys + a2 + c, f2);
    addOne(y, keys + b2 + c, f2);
    addOne(grads + a2 + c, q + c, f2);
    addOne(grads + b2 + c, q + halfBytes + c, f2);
    addOne(x, keys + a3 + c, f3);
    addOne(y, keys + b3 + c, f3);
    addOne(grads + a3 + c, q + c, f3);
    addOne(grads + b3 + c, q + halfBytes + c, f3);
  }
}

/**
 * Overwrites dq and dKeys with the gradient. Returns 0, having written only there, when a slot is
 * outside [0, nKeys²) (it would address past the keys; the caller then runs the JS loop), else 1.
 */
export function productSelectGrad(
  dy: usize,
  slots: usize,
  q: usize,
  keys: usize,
  dq: usize,
  dKeys: usize,
  heads: i32,
  rows: i32,
  nKeys: i32,
  knn: i32,
  half: i32,
): i32 {
  const halfBytes = (<usize>half) << 2;
  const headBytes = halfBytes * 2;
  const blockBytes = <usize>nKeys * halfBytes; // one [nKeys, half] sub-key block
  const n = <u32>nKeys;
  memory.fill(dq, 0, <usize>rows * <usize>heads * headBytes);
  memory.fill(dKeys, 0, <usize>heads * 2 * blockBytes);
  const pairs = rows * heads;
  for (let r = 0; r < pairs; r++) {
    const h = <usize>(r % heads);
    const q0 = q + <usize>r * headBytes;
    const d0 = dq + <usize>r * headBytes;
    const keys0 = keys + h * 2 * blockBytes;
    const grad0 = dKeys + h * 2 * blockBytes;
    const first = <usize>r * <usize>knn;
    let t = 0;
    for (; t + 4 <= knn; t += 4) {
      const at = (first + <usize>t) << 2;
      const s0 = load<u32>(slots + at);
      const s1 = load<u32>(slots + at, 4);
      const s2 = load<u32>(slots + at, 8);
      const s3 = load<u32>(slots + at, 12);
      const i0 = rowOf(s0, n);
      const i1 = rowOf(s1, n);
      const i2 = rowOf(s2, n);
      const i3 = rowOf(s3, n);
      if ((i0 | i1 | i2 | i3) < 0) return 0;
      const b = blockBytes;
      fourSlots(
        d0,
        q0,
        keys0,
        grad0,
        dy + at,
        half,
        <usize>i0 * halfBytes,
        <usize>i1 * halfBytes,
        <usize>i2 * halfBytes,
        <usize>i3 * halfBytes,
        b + <usize>(s0 - <u32>i0 * n) * halfBytes,
        b + <usize>(s1 - <u32>i1 * n) * halfBytes,
        b + <usize>(s2 - <u32>i2 * n) * halfBytes,
        b + <usize>(s3 - <u32>i3 * n) * halfBytes,
      );
    }
    for (; t < knn; t++) {
      const at = (first + <usize>t) << 2;
      const slot = load<u32>(slots + at);
      const i = rowOf(slot, n);
      if (i < 0) return 0;
      const a = <usize>i * halfBytes;
      const b = blockBytes + <usize>(slot - <u32>i * n) * halfBytes;
      const g = <f64>load<f32>(dy + at);
      addScaled(d0, keys0 + a, g, half);
      addScaled(d0 + halfBytes, keys0 + b, g, half);
      addScaled(grad0 + a, q0, g, half);
      addScaled(grad0 + b, q0 + halfBytes, g, half);
    }
  }
  return 1;
}
