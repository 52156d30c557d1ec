import { describe, expect, it } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import { adamRowsInPlace, DEFAULT_ADAM } from '../../../src/model/memory/sparse/adam';
import { SlotSegmenter, type SlotSegments } from '../../../src/model/memory/sparse/slotSegments';

/**
 * The cpu/wasm sparse Adam updates touched rows in blocks; these checks hold it to the bits of the
 * plain loop written out below: one touched row at a time, its occurrences summed in float64 from
 * zero in occurrence order, the update in float32 arithmetic (each operation rounded to float32;
 * a Float32Array store rounds the last one).
 */

const STEP = { stepSize: 0.003, adam: DEFAULT_ADAM };

function rowAtATime(
  table: Float32Array,
  m: Float32Array,
  v: Float32Array,
  grads: Float32Array,
  s: SlotSegments,
  vDim: number,
): void {
  const f = Math.fround;
  const [b1, b2, a1, a2] = [STEP.adam.beta1, STEP.adam.beta2, 1 - STEP.adam.beta1, 1 - STEP.adam.beta2].map(
    f,
  );
  const [eps, stepSize] = [f(STEP.adam.eps), f(STEP.stepSize)];
  for (let u = 0; u < s.count; u++) {
    for (let c = 0; c < vDim; c++) {
      let g = 0;
      for (let o = s.offsets[u]; o < s.offsets[u + 1]; o++) g += grads[s.occurrences[o] * vDim + c];
      const at = s.rows[u] * vDim + c;
      const gc = Math.fround(g);
      m[at] = f(b1 * m[at]) + f(a1 * gc);
      v[at] = f(b2 * v[at]) + f(f(a2 * gc) * gc);
      table[at] -= f(f(stepSize * m[at]) / f(f(Math.sqrt(v[at])) + eps));
    }
  }
}

function sameBits(got: Float32Array, want: Float32Array): boolean {
  const a = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

describe('sparse Adam on plain arrays (cpu and wasm updaters)', () => {
  it.each(Array.from({ length: 11 }, (_, i) => i))(
    '%i ids: three steps bit for bit as one row at a time, untouched rows unchanged',
    (ids) => {
      const slots = 13;
      const vDim = 6;
      const rng = new RandomStream(ids, 3);
      const tables: Float32Array[] = [0, 1, 2].map(() => new Float32Array(slots * vDim));
      rng.fillUniform(tables[0], 1);
      // Moments of −0 and +0 and gradients of −0: the sum from zero decides the sign of zero.
      tables[1].fill(-0);
      const want = tables.map((t) => t.slice());
      const segmenter = new SlotSegmenter(slots);
      const scratch = new Float32Array(slots * vDim);
      for (let step = 0; step < 3; step++) {
        const idList = Int32Array.from({ length: ids }, () => Math.floor(rng.next() * slots));
        const grads = rng.fillUniform(new Float32Array(ids * vDim), 1e-2);
        for (let i = 0; i < grads.length; i += 4) grads[i] = -0;
        for (let i = 2; i < grads.length; i += 7) grads[i] *= 1e5;
        const s = segmenter.segment(idList);
        const before = tables[0].slice();
        adamRowsInPlace(tables[0], tables[1], tables[2], grads, s, STEP, vDim, scratch);
        rowAtATime(want[0], want[1], want[2], grads, s, vDim);
        for (const [i, t] of tables.entries()) {
          expect(sameBits(t, want[i]), `table ${i}, step ${step}`).toBe(true);
        }
        for (let row = 0; row < slots; row++) {
          if (idList.includes(row)) continue;
          const span = (a: Float32Array) => a.subarray(row * vDim, (row + 1) * vDim);
          expect(sameBits(span(tables[0]), span(before))).toBe(true);
        }
      }
    },
  );

  it('refuses a gradient scratch shorter than the touched rows', () => {
    const s = new SlotSegmenter(4).segment(Int32Array.from([0, 3]));
    const t = () => new Float32Array(8);
    expect(() => adamRowsInPlace(t(), t(), t(), t(), s, STEP, 2, new Float32Array(3))).toThrow(/scratch/);
  });
});
