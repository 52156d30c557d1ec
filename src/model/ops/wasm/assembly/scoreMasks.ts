// Sixteen scores tested against a threshold with one branch: which of them pass, one bit each in
// index order, so a scan visits only those (ctz) and rejects the rest sixteen at a time.

/** Bits of the sixteen scores at p that are ≥ the lanes of t. */
export function geMask(p: usize, t: v128): i32 {
  return (
    i32x4.bitmask(f32x4.ge(v128.load(p), t)) |
    (i32x4.bitmask(f32x4.ge(v128.load(p, 16), t)) << 4) |
    (i32x4.bitmask(f32x4.ge(v128.load(p, 32), t)) << 8) |
    (i32x4.bitmask(f32x4.ge(v128.load(p, 48), t)) << 12)
  );
}

/** Bits of the sixteen scores at p that are > the lanes of t. */
export function gtMask(p: usize, t: v128): i32 {
  return (
    i32x4.bitmask(f32x4.gt(v128.load(p), t)) |
    (i32x4.bitmask(f32x4.gt(v128.load(p, 16), t)) << 4) |
    (i32x4.bitmask(f32x4.gt(v128.load(p, 32), t)) << 8) |
    (i32x4.bitmask(f32x4.gt(v128.load(p, 48), t)) << 12)
  );
}
