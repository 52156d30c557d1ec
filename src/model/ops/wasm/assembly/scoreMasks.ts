// Sixteen scores tested against a threshold with one branch: which of them pass, one bit each in
// index order, so a scan visits only those (ctz) and rejects the rest sixteen at a time.

/** Lanes of x at or above t, or strictly above it. */
function passing(x: v128, t: v128, strict: bool): v128 {
  return strict ? f32x4.gt(x, t) : f32x4.ge(x, t);
}

/** Bits of the sixteen scores at p that are ≥ the lanes of t (> them when strict). */
export function passMask(p: usize, t: v128, strict: bool): i32 {
  return (
    i32x4.bitmask(passing(v128.load(p), t, strict)) |
    (i32x4.bitmask(passing(v128.load(p, 16), t, strict)) << 4) |
    (i32x4.bitmask(passing(v128.load(p, 32), t, strict)) << 8) |
    (i32x4.bitmask(passing(v128.load(p, 48), t, strict)) << 12)
  );
}
