// The swap of the last two axes: x [batch, rows, cols] → out [batch, cols, rows] of 32-bit words
// (float32 or int32, moved as bits). 4×4 blocks: four rows of x loaded as lanes, transposed with
// shuffles, stored as four rows of out; the last rows % 4 rows and cols % 4 columns one word at a
// time. Nothing outside x and out is read or written.
//
// The blocks go down strips of STRIP columns: each strip reads one 64-byte line per row of x and
// writes STRIP rows of out front to back. Row by row instead, a block row writes 16 bytes into
// each of `cols` rows of out; with power-of-two strides (the model's [512, 64] → 2 KB) those rows
// share a few cache sets, and lines are evicted before they are filled: 3× slower at 512 × 64.

const STRIP = 16;

/** The 4×4 block at `from` (rows `inStride` bytes apart), transposed into `to` (rows `outStride` apart). */
function block(from: usize, inStride: usize, to: usize, outStride: usize): void {
  const a = v128.load(from);
  const b = v128.load(from + inStride);
  const c = v128.load(from + 2 * inStride);
  const d = v128.load(from + 3 * inStride);
  const ab01 = v128.shuffle<i32>(a, b, 0, 4, 1, 5); // a0 b0 a1 b1
  const ab23 = v128.shuffle<i32>(a, b, 2, 6, 3, 7); // a2 b2 a3 b3
  const cd01 = v128.shuffle<i32>(c, d, 0, 4, 1, 5);
  const cd23 = v128.shuffle<i32>(c, d, 2, 6, 3, 7);
  v128.store(to, v128.shuffle<i32>(ab01, cd01, 0, 1, 4, 5)); // a0 b0 c0 d0
  v128.store(to + outStride, v128.shuffle<i32>(ab01, cd01, 2, 3, 6, 7));
  v128.store(to + 2 * outStride, v128.shuffle<i32>(ab23, cd23, 0, 1, 4, 5));
  v128.store(to + 3 * outStride, v128.shuffle<i32>(ab23, cd23, 2, 3, 6, 7));
}

/** out[c, r] = x[r, c] for r in [r0, r1), c in [c0, c1), one word at a time. */
function scalar(x: usize, out: usize, rows: i32, cols: i32, r0: i32, r1: i32, c0: i32, c1: i32): void {
  for (let r = r0; r < r1; r++) {
    for (let c = c0; c < c1; c++) {
      store<i32>(
        out + ((<usize>c * <usize>rows + <usize>r) << 2),
        load<i32>(x + ((<usize>r * <usize>cols + <usize>c) << 2)),
      );
    }
  }
}

export function swapLast(x: usize, out: usize, batch: i32, rows: i32, cols: i32): void {
  const size = (<usize>rows * <usize>cols) << 2;
  if (rows === 1 || cols === 1) {
    // The same order in memory: a copy.
    memory.copy(out, x, <usize>batch * size);
    return;
  }
  const rows4 = rows & ~3;
  const cols4 = cols & ~3;
  const inStride = (<usize>cols) << 2;
  const outStride = (<usize>rows) << 2;
  for (let m = 0; m < batch; m++) {
    const xm = x + <usize>m * size;
    const om = out + <usize>m * size;
    for (let c0 = 0; c0 < cols4; c0 += STRIP) {
      const c1 = min(cols4, c0 + STRIP);
      for (let r = 0; r < rows4; r += 4) {
        const from = xm + <usize>r * inStride;
        const to = om + ((<usize>r) << 2);
        for (let c = c0; c < c1; c += 4)
          block(from + ((<usize>c) << 2), inStride, to + <usize>c * outStride, outStride);
      }
    }
    scalar(xm, om, rows, cols, 0, rows4, cols4, cols);
    scalar(xm, om, rows, cols, rows4, rows, 0, cols);
  }
}
