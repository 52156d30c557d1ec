import { describe, expect, it } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import { productSelectGrad, type SelectGradShape } from '../../../src/model/ops/cpu/productSelectGrad';

/**
 * The selection gradient's loops (cpu and wasm kernels) take selected slots in blocks; this holds
 * them to the bits of the plain loop written out below, one selected slot at a time, every add
 * stored to the float32 arrays in slot order. Slots repeat sub-key rows (as the top pairs of a
 * product-key selection do), so key rows get several adds whose order shows in the bits.
 */

function oneAtATime(
  dy: Float32Array,
  slots: Int32Array,
  q: Float32Array,
  keys: Float32Array,
  { heads, rows, nKeys, knn, kDim }: SelectGradShape,
) {
  const half = kDim / 2;
  const dq = new Float32Array(q.length);
  const dKeys = new Float32Array(keys.length);
  for (let o = 0; o < rows * heads * knn; o++) {
    const h = Math.floor(o / knn) % heads;
    const qRow = Math.floor(o / knn) * kDim;
    const i = Math.floor(slots[o] / nKeys);
    const j = slots[o] % nKeys;
    const key0 = (h * 2 * nKeys + i) * half;
    const key1 = ((h * 2 + 1) * nKeys + j) * half;
    for (let c = 0; c < half; c++) {
      dq[qRow + c] += dy[o] * keys[key0 + c];
      dq[qRow + half + c] += dy[o] * keys[key1 + c];
      dKeys[key0 + c] += dy[o] * q[qRow + c];
      dKeys[key1 + c] += dy[o] * q[qRow + half + c];
    }
  }
  return { dq, dKeys };
}

function sameBits(got: Float32Array, want: Float32Array): boolean {
  const a = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

describe('product-key selection gradient loops (cpu and wasm kernels)', () => {
  it.each(Array.from({ length: 10 }, (_, i) => i + 1))(
    'knn %i: dq and dKeys bit for bit as one selected slot at a time',
    (knn) => {
      const rng = new RandomStream(knn, 13);
      const shape: SelectGradShape = { heads: 2, rows: 5, nKeys: 11, knn, kDim: 6 };
      const entries = shape.rows * shape.heads * knn;
      const dy = rng.fillUniform(new Float32Array(entries), 1);
      // Sub-key rows from a few values: the same key row read by many slots.
      const slots = Int32Array.from(
        { length: entries },
        () => Math.floor(rng.next() * 3) * shape.nKeys + Math.floor(rng.next() * shape.nKeys),
      );
      const q = rng.fillUniform(new Float32Array(shape.rows * shape.heads * shape.kDim), 1);
      for (let i = 0; i < q.length; i += 3) q[i] *= 1e4;
      const keys = rng.fillUniform(new Float32Array(shape.heads * 2 * shape.nKeys * (shape.kDim / 2)), 1);
      for (let i = 1; i < keys.length; i += 4) keys[i] *= 1e-4;
      const want = oneAtATime(dy, slots, q, keys, shape);
      const dq = new Float32Array(q.length).fill(Number.NaN);
      const dKeys = new Float32Array(keys.length).fill(Number.NaN);
      productSelectGrad(dy, slots, q, keys, shape, dq, dKeys);
      expect(sameBits(dq, want.dq)).toBe(true);
      expect(sameBits(dKeys, want.dKeys)).toBe(true);
    },
  );
});
