/**
 * The gradient of the selected raw scores over plain typed arrays (cpu and wasm kernels). For
 * fixed slots, score[row, h, t] = q[row, h, half 0]·key(h, 0, i) + q[row, h, half 1]·key(h, 1, j)
 * with slot = i·n + j, so each selected slot adds dy·key rows to the query gradient and dy·query
 * halves to its two sub-key rows (a key row selected several times gets the sum). Only the
 * selected rows are touched: O(N·heads·k·k_dim), never a dense [N, n] intermediate.
 */

export interface SelectGradShape {
  heads: number;
  rows: number;
  nKeys: number;
  knn: number;
  /** Width of one head's query (both halves). */
  kDim: number;
}

/**
 * dy, slots: [rows, heads, knn]; q: [rows, heads·kDim]; keys: [heads, 2, nKeys, kDim/2].
 * Writes dq (same layout as q) and dKeys (same layout as keys); both are overwritten.
 */
export function productSelectGrad(
  dy: Float32Array,
  slots: Int32Array,
  q: Float32Array,
  keys: Float32Array,
  shape: SelectGradShape,
  dq: Float32Array,
  dKeys: Float32Array,
): void {
  const { heads, rows, nKeys, knn, kDim } = shape;
  const half = kDim / 2;
  dq.fill(0);
  dKeys.fill(0);
  for (let row = 0; row < rows; row++) {
    for (let h = 0; h < heads; h++) {
      const q0 = (row * heads + h) * kDim;
      const q1 = q0 + half;
      const first = (row * heads + h) * knn;
      let t = 0;
      // Four selected slots at a time: each dq element stays in a register across their adds
      // (rounded to float32 after each, as the stored array did), and each key row still gets
      // its adds in slot order (the four go in order for every column).
      for (; t + 4 <= knn; t += 4) {
        const o = first + t;
        const g0 = dy[o];
        const g1 = dy[o + 1];
        const g2 = dy[o + 2];
        const g3 = dy[o + 3];
        const i0 = Math.floor(slots[o] / nKeys);
        const i1 = Math.floor(slots[o + 1] / nKeys);
        const i2 = Math.floor(slots[o + 2] / nKeys);
        const i3 = Math.floor(slots[o + 3] / nKeys);
        const a0 = (h * 2 * nKeys + i0) * half;
        const a1 = (h * 2 * nKeys + i1) * half;
        const a2 = (h * 2 * nKeys + i2) * half;
        const a3 = (h * 2 * nKeys + i3) * half;
        const b0 = ((h * 2 + 1) * nKeys + slots[o] - i0 * nKeys) * half;
        const b1 = ((h * 2 + 1) * nKeys + slots[o + 1] - i1 * nKeys) * half;
        const b2 = ((h * 2 + 1) * nKeys + slots[o + 2] - i2 * nKeys) * half;
        const b3 = ((h * 2 + 1) * nKeys + slots[o + 3] - i3 * nKeys) * half;
        for (let c = 0; c < half; c++) {
          let x = Math.fround(dq[q0 + c] + g0 * keys[a0 + c]);
          let y = Math.fround(dq[q1 + c] + g0 * keys[b0 + c]);
          x = Math.fround(x + g1 * keys[a1 + c]);
          y = Math.fround(y + g1 * keys[b1 + c]);
          x = Math.fround(x + g2 * keys[a2 + c]);
          y = Math.fround(y + g2 * keys[b2 + c]);
          dq[q0 + c] = x + g3 * keys[a3 + c];
          dq[q1 + c] = y + g3 * keys[b3 + c];
          const qa = q[q0 + c];
          const qb = q[q1 + c];
          dKeys[a0 + c] += g0 * qa;
          dKeys[b0 + c] += g0 * qb;
          dKeys[a1 + c] += g1 * qa;
          dKeys[b1 + c] += g1 * qb;
          dKeys[a2 + c] += g2 * qa;
          dKeys[b2 + c] += g2 * qb;
          dKeys[a3 + c] += g3 * qa;
          dKeys[b3 + c] += g3 * qb;
        }
      }
      for (; t < knn; t++) {
        const o = first + t;
        const g = dy[o];
        const i = Math.floor(slots[o] / nKeys);
        const j = slots[o] - i * nKeys;
        const k0 = (h * 2 * nKeys + i) * half;
        const k1 = ((h * 2 + 1) * nKeys + j) * half;
        for (let c = 0; c < half; c++) {
          dq[q0 + c] += g * keys[k0 + c];
          dq[q1 + c] += g * keys[k1 + c];
          dKeys[k0 + c] += g * q[q0 + c];
          dKeys[k1 + c] += g * q[q1 + c];
        }
      }
    }
  }
}
