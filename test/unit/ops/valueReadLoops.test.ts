import { describe, expect, it } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import { weightedRowSum, weightedRowSumGrad } from '../../../src/model/ops/cpu/valueRead';
import type { ValueReadSizes } from '../../../src/model/ops/valueReadKernels';

/**
 * The read's loops (shared by the cpu and wasm kernels) go through entries in blocks; these
 * checks hold them to the bits of the plain one-entry-at-a-time loops written out below: the
 * output accumulated in a float32 array entry by entry, each dot product summed over columns in
 * float64 from zero. Entries per row from 1 to 19 cover whole blocks, tails and their mix; slots
 * outside the table fall inside blocks, at their ends and in tails.
 */

function oneAtATime(
  values: Float32Array,
  slots: Int32Array,
  weights: Float32Array,
  dy: Float32Array,
  { rows, perRow, vDim, tableRows }: ValueReadSizes,
) {
  const out = new Float32Array(rows * vDim);
  const dWeights = new Float32Array(rows * perRow);
  const dRows = new Float32Array(rows * perRow * vDim);
  for (let j = 0; j < rows * perRow; j++) {
    const n = Math.floor(j / perRow);
    const valid = slots[j] >= 0 && slots[j] < tableRows;
    let dot = 0;
    for (let c = 0; c < vDim; c++) {
      const g = dy[n * vDim + c];
      if (valid) {
        out[n * vDim + c] += weights[j] * values[slots[j] * vDim + c];
        dot += g * values[slots[j] * vDim + c];
      }
      dRows[j * vDim + c] = weights[j] * g;
    }
    dWeights[j] = dot;
  }
  return { out, dWeights, dRows };
}

function sameBits(got: Float32Array, want: Float32Array): boolean {
  const a = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

describe('value read loops (cpu and wasm kernels)', () => {
  it.each(Array.from({ length: 19 }, (_, i) => i + 1))(
    '%i entries per row: output and gradients bit for bit as one entry at a time',
    (perRow) => {
      const rng = new RandomStream(perRow, 7);
      const sizes: ValueReadSizes = { rows: 6, perRow, vDim: 9, tableRows: 23 };
      const entries = sizes.rows * perRow;
      const values = rng.fillUniform(new Float32Array(sizes.tableRows * sizes.vDim), 3);
      // Values of very different magnitudes, so that a changed order of adds changes the bits.
      for (let i = 0; i < values.length; i += 5) values[i] *= 1e4;
      const weights = Float32Array.from({ length: entries }, () => rng.next());
      const dy = rng.fillUniform(new Float32Array(sizes.rows * sizes.vDim), 2);
      const slots = Int32Array.from({ length: entries }, () => Math.floor(rng.next() * sizes.tableRows));
      // Outside the table: in the second row's first block, at the last entry, and every 11th.
      for (const at of [perRow + 1, entries - 1]) slots[at] = at % 2 ? -1 : sizes.tableRows;
      for (let at = 3; at < entries; at += 11) slots[at] = sizes.tableRows + at;
      const want = oneAtATime(values, slots, weights, dy, sizes);
      const out = new Float32Array(sizes.rows * sizes.vDim).fill(Number.NaN);
      const dWeights = new Float32Array(entries);
      const dRows = new Float32Array(entries * sizes.vDim);
      weightedRowSum(values, slots, weights, sizes, out);
      weightedRowSumGrad(dy, values, slots, weights, sizes, dWeights, dRows);
      expect(sameBits(out, want.out)).toBe(true);
      expect(sameBits(dWeights, want.dWeights)).toBe(true);
      expect(sameBits(dRows, want.dRows)).toBe(true);
    },
  );
});
