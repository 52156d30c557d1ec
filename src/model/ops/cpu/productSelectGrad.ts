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
      for (let t = 0; t < knn; t++) {
        const o = (row * heads + h) * knn + t;
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
